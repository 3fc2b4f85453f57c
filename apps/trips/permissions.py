"""Who may do what inside a trip: one declarative table, and the helpers every app calls.

Every trip-scoped route (trips, members, invitations, todos, chat, polls, locations, images,
weather, wallet) authorises through this module, so the rules of the contract (§0.3 and Part 1
§3-4) live in one place:

* ``PERMISSIONS`` maps an action name (``"<resource>.<verb>"``) to a ``Rule``: the minimum
  ACTIVE-membership role needed to reach the endpoint at all and, for resources that have an
  author (todos, polls, chat messages, locations), the role needed to act on *someone else's*
  item (``others``; ``NOBODY`` means the author only).
* ``trip_membership_for(user, trip_id, action)`` resolves the caller's membership in one query
  (``select_related("trip")``) and enforces the table. A missing, deleted or foreign trip is a
  404 ``trip_not_found`` (non-members never learn that the trip exists, Part 1 §3); a member
  whose role is too low gets 403 ``insufficient_role``. It returns the ``Membership``; the trip
  is ``membership.trip``.
* ``check_author_rule(membership, action, author_id)`` is the second step for author-owned
  items, once the item is loaded: the author passes, others need ``Rule.others``
  (403 ``insufficient_role`` otherwise).
* ``TripScopedMixin`` does the first step for DRF views before the handler runs::

      class TodoListView(TripScopedMixin, APIView):
          required_action = {"GET": "todo.read", "POST": "todo.create"}

          def post(self, request, trip_id):
              todo = services.todo_create(trip=self.trip, user=request.user, ...)

          # later, on the item view: check_author_rule(self.membership, "todo.update",
          #                                             todo.created_by_id)

  The URL must name the trip ``trip_id`` (``path("trips/<uuid:trip_id>/todos", ...)``).
  ``required_action`` is one action for every method or a ``{METHOD: action}`` dict; override
  ``get_required_action(request)`` when the action depends on the request (leaving vs removing
  a member). The handler then finds ``self.membership`` and ``self.trip``.

Add a row here rather than comparing roles in a view; unknown actions raise ``KeyError`` at
once, so a typo fails every test of the view instead of silently allowing.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from apps.core.errors import Forbidden, NotFound
from apps.trips.models import MemberRole, Membership, MembershipStatus, role_at_least

MEMBER, ADMIN, OWNER = MemberRole.MEMBER, MemberRole.ADMIN, MemberRole.OWNER
NOBODY = "NOBODY"  # as Rule.others: only the item's author may do it


@dataclass(frozen=True)
class Rule:
    """``role``: the minimum role for the endpoint; ``others``: the role needed to act on an
    item someone else authored (None when the resource has no author)."""

    role: str
    others: str | None = None


PERMISSIONS: dict[str, Rule] = {
    # Trips (§3). Creating a trip needs no membership, so it has no row.
    "trip.read": Rule(MEMBER),
    "trip.search": Rule(MEMBER),
    "trip.update": Rule(ADMIN),
    "trip.change_status": Rule(ADMIN),
    "trip.delete": Rule(OWNER),
    # Members (§4). Anyone may leave except the last owner (a service rule).
    "member.list": Rule(MEMBER),
    "member.add": Rule(OWNER),
    "member.remove": Rule(OWNER),
    "member.change_role": Rule(ADMIN),
    "member.leave": Rule(MEMBER),
    # Invitations (§5).
    "invitation.create": Rule(ADMIN),
    "invitation.list": Rule(ADMIN),
    "invitation.revoke": Rule(ADMIN),
    # Todos (§6): any member creates; ADMIN+ or the creator edits and deletes.
    "todo.read": Rule(MEMBER),
    "todo.create": Rule(MEMBER),
    "todo.update": Rule(MEMBER, others=ADMIN),
    "todo.delete": Rule(MEMBER, others=ADMIN),
    # Chat (§7, Part 1 §8): the author edits; the author or ADMIN+ deletes.
    "chat.read": Rule(MEMBER),
    "chat.create": Rule(MEMBER),
    "chat.update": Rule(MEMBER, others=NOBODY),
    "chat.delete": Rule(MEMBER, others=ADMIN),
    "chat.react": Rule(MEMBER),
    "chat.mark_read": Rule(MEMBER),
    # Locations (§8): members share and read; a location is changed only by its user.
    "location.read": Rule(MEMBER),
    "location.create": Rule(MEMBER),
    "location.update": Rule(MEMBER, others=NOBODY),
    "location.delete": Rule(MEMBER, others=NOBODY),
    # Polls (§9): any member creates and votes; ADMIN+ or the creator edits, deletes, closes.
    "poll.read": Rule(MEMBER),
    "poll.create": Rule(MEMBER),
    "poll.vote": Rule(MEMBER),
    "poll.update": Rule(MEMBER, others=ADMIN),
    "poll.delete": Rule(MEMBER, others=ADMIN),
    "poll.close": Rule(MEMBER, others=ADMIN),
    # Trip images (Part 1 §10) and weather (§11).
    "image.read": Rule(MEMBER),
    "image.upload": Rule(ADMIN),
    "image.delete": Rule(ADMIN),
    "weather.read": Rule(MEMBER),
    # Group wallet documents (§13).
    "wallet.read": Rule(MEMBER),
    "wallet.create": Rule(MEMBER),
    # Realtime: subscribing to a trip's events.
    "realtime.subscribe": Rule(MEMBER),
}


def rule_for(action: str) -> Rule:
    return PERMISSIONS[action]


def trip_not_found() -> NotFound:
    return NotFound("Trip not found.", code="trip_not_found")


def trip_membership_for(user, trip_id, action: str) -> Membership:
    """The caller's ACTIVE membership of a live trip, with the trip, if the role suffices."""
    rule = rule_for(action)
    try:
        trip_uuid = trip_id if isinstance(trip_id, uuid.UUID) else uuid.UUID(str(trip_id))
    except ValueError:
        raise trip_not_found() from None
    membership = (
        Membership.objects.select_related("trip")
        .filter(
            trip_id=trip_uuid,
            user_id=getattr(user, "pk", None),
            status=MembershipStatus.ACTIVE,
            trip__deleted_at__isnull=True,
        )
        .first()
    )
    if membership is None:
        raise trip_not_found()
    if not role_at_least(membership.role, rule.role):
        raise Forbidden(
            f"This needs the {rule.role} role or higher in this trip.", code="insufficient_role"
        )
    return membership


def check_author_rule(membership: Membership, action: str, author_id) -> None:
    """Authors act on their own items; others need the rule's ``others`` role."""
    rule = rule_for(action)
    if rule.others is None:
        raise ImproperlyConfigured(f"'{action}' has no author rule.")
    if author_id is not None and str(author_id) == str(membership.user_id):
        return
    if rule.others == NOBODY:
        raise Forbidden("Only its author may do this.", code="not_author")
    if not role_at_least(membership.role, rule.others):
        raise Forbidden(
            f"This needs the {rule.others} role or higher, or being its author.",
            code="insufficient_role",
        )


class TripScopedMixin:
    """Resolves ``self.membership``/``self.trip`` for the URL's ``trip_id`` before the handler.

    Runs after DRF's authentication, permission (onboarded) and throttle checks, so the caller
    is a signed-in user; raises the 404/403 of ``trip_membership_for``.
    """

    required_action: str | dict[str, str] | None = None
    trip_url_kwarg = "trip_id"
    membership: Membership
    trip = None

    def get_required_action(self, request) -> str | None:
        if isinstance(self.required_action, str):
            return self.required_action
        if isinstance(self.required_action, dict):
            method = "GET" if request.method == "HEAD" else request.method
            return self.required_action.get(method)
        raise ImproperlyConfigured(f"{type(self).__name__} sets no required_action.")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        if method == "options" or not hasattr(self, method):
            return  # OPTIONS reveals nothing about the trip; a missing handler answers 405
        action = self.get_required_action(request)
        if action is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no action for {method}.")
        self.membership = trip_membership_for(request.user, kwargs[self.trip_url_kwarg], action)
        self.trip = self.membership.trip
