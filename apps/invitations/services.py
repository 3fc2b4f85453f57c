"""Writes to invitations: invite (or re-send), accept, decline, revoke, expire, and the email.

Views authorise trip admins with ``apps.trips.permissions`` first; the invitee's side is
checked here (``check_invitee``), because it depends on the invitation, not on a trip role.
Every state change locks the invitation row (``select_for_update``), so two answers to the same
invitation are serialised: one wins, the other sees it is no longer PENDING.

Status codes (contract Part 1 §2, where the old backend's 400s are replaced):
``invitation_not_pending`` is a 409 (the request is fine, the invitation's state conflicts);
``invitation_expired`` is a 400 whichever way the invitation is named (id or an authentic
token whose ``exp`` has passed), so one code always has one status; a token we did not sign
is a 401 ``invalid_token``.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.core import metrics
from apps.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from apps.invitations import tokens
from apps.invitations.models import INVITABLE_ROLES, Invitation, InvitationStatus
from apps.notifications.services import notification_create
from apps.trips.models import MemberRole, Membership, MembershipStatus, Trip
from apps.trips.selectors import trip_member_ids_split
from apps.trips.services import membership_add
from apps.users.models import User
from apps.users.selectors import user_get

logger = logging.getLogger(__name__)


# --- Errors ----------------------------------------------------------------------------------


def invitation_not_found() -> NotFound:
    return NotFound("Invitation not found.", code="invitation_not_found")


def invitation_expired() -> ApplicationError:
    return ApplicationError("This invitation has expired.", code="invitation_expired")


def invalid_token() -> ApplicationError:
    return ApplicationError(
        "The invitation link is invalid.", code="invalid_token", status_code=401
    )


def _not_pending(invitation: Invitation) -> Conflict:
    return Conflict(
        "This invitation has already been answered.",
        code="invitation_not_pending",
        details={"status": [f"The invitation is {invitation.status}."]},
    )


def _already_member() -> Conflict:
    return Conflict("This person is already a member of this trip.", code="already_member")


# --- Rules -----------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def invitation_ttl() -> timedelta:
    return timedelta(days=settings.INVITATION_TTL_DAYS)


def invitation_link(invitation: Invitation) -> str:
    """The email's link: the app's accept screen (contract §5)."""
    return f"{settings.FRONTEND_URL}/invite/accept/{tokens.invitation_token(invitation)}"


def check_invitee(invitation: Invitation, user, verified_email: str) -> None:
    """Only the invitee may see or answer an invitation: the account it was bound to, if any,
    and in any case an account whose *verified* email (``users.services.user_verified_email``)
    is the invited address (ignoring case). An address the caller merely claims proves nothing.
    """
    if invitation.invitee_id is not None and invitation.invitee_id != user.pk:
        raise Forbidden("You are not authorized to act on this invitation.", code="auth_mismatch")
    if not verified_email:
        raise Forbidden(
            "Verify your email address before answering invitations.",
            code="email_not_verified",
        )
    if normalise_email(verified_email) != invitation.invitee_email:
        raise Forbidden(
            "You can only act on invitations sent to your email address.", code="email_mismatch"
        )


def _check_open(invitation: Invitation, now) -> None:
    lapsed = invitation.status == InvitationStatus.PENDING and invitation.expires_at <= now
    if invitation.status == InvitationStatus.EXPIRED or lapsed:
        raise invitation_expired()
    if invitation.status != InvitationStatus.PENDING:
        raise _not_pending(invitation)


def invitation_id_from_token(token: str):
    """The invitation a token names. Raises 401 ``invalid_token`` for a token we did not sign
    and 400 ``invitation_expired`` for one past its expiry."""
    try:
        return tokens.invitation_claims(token).invitation_id
    except tokens.ExpiredInvitationToken:
        raise invitation_expired() from None
    except tokens.InvalidInvitationToken:
        raise invalid_token() from None


def _users_with_email(email: str):
    # Matches the users_email_ci_idx expression index.
    return User.objects.annotate(email_lower=Lower("email")).filter(
        email_lower=email, is_active=True
    )


def _lock(invitation_id, **filters) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("trip", "inviter")
        .filter(pk=invitation_id, trip__deleted_at__isnull=True, **filters)
        .first()
    )
    if invitation is None:
        raise invitation_not_found()
    return invitation


def _metadata(invitation: Invitation, **extra) -> dict:
    """The notification metadata the app reads (contract Part 1 §1), keys spelled as it does."""
    inviter = invitation.inviter
    return {
        "invitationID": str(invitation.pk),
        "tripID": str(invitation.trip_id),
        "inviterID": str(invitation.inviter_id) if invitation.inviter_id else "",
        "tripName": invitation.trip.name,
        "inviterName": inviter.display_name if inviter else "",
        **extra,
    }


def _schedule_email(invitation: Invitation) -> None:
    transaction.on_commit(partial(_dispatch_email, str(invitation.pk)), robust=True)


def _dispatch_email(invitation_id: str) -> None:
    """Hand over to the task (an async Lambda invocation on AWS, inline elsewhere)."""
    from apps.invitations.tasks import send_invitation_email

    try:
        send_invitation_email(invitation_id)
    except Exception:
        logger.exception("could not dispatch the email of invitation %s", invitation_id)


# --- Writes ----------------------------------------------------------------------------------


def invitation_create(
    *, trip: Trip, inviter, email: str, role: str, invitee: User | None = None
) -> tuple[Invitation, bool]:
    """Invite an address to a trip; ``(invitation, created)``. ``invitee`` binds the
    invitation to that account and keeps its address private (the member-add route knows
    whom it means, not their address).

    A PENDING invitation to the same address is not duplicated: its email goes out again, with
    a fresh expiry (and so a fresh link); its role stays as first given.
    """
    email = normalise_email(email)
    if role not in INVITABLE_ROLES:
        raise ApplicationError(
            "An invitation's role must be MEMBER or ADMIN.",
            code="invalid_role",
            details={"role": ["Must be one of: MEMBER, ADMIN."]},
        )
    now = timezone.now()
    with transaction.atomic():
        if Membership.objects.filter(
            trip=trip, status=MembershipStatus.ACTIVE, user__in=_users_with_email(email)
        ).exists():
            raise _already_member()
        existing = (
            Invitation.objects.select_for_update()
            .filter(trip=trip, invitee_email=email, status=InvitationStatus.PENDING)
            .first()
        )
        if existing is None:
            accounts = [invitee] if invitee is not None else list(_users_with_email(email)[:2])
            try:
                with transaction.atomic():
                    invitation = Invitation.objects.create(
                        trip=trip,
                        inviter=inviter,
                        invitee_email=email,
                        invitee=accounts[0] if len(accounts) == 1 else None,
                        invitee_email_private=invitee is not None,
                        role=role,
                        expires_at=now + invitation_ttl(),
                    )
            except IntegrityError:
                # A concurrent invite of the same address won: re-send that one.
                existing = (
                    Invitation.objects.select_for_update()
                    .filter(trip=trip, invitee_email=email, status=InvitationStatus.PENDING)
                    .first()
                )
                if existing is None:
                    raise Conflict(
                        "The invitation changed meanwhile; try again.", code="concurrent_update"
                    ) from None
            else:
                _announce_created(invitation)
                return invitation, True
        existing.expires_at = now + invitation_ttl()
        existing.email_sent_at = None  # on purpose: the task sends again
        existing.resend_count += 1
        existing.save(update_fields=["expires_at", "email_sent_at", "resend_count", "updated_at"])
        _schedule_email(existing)
    return existing, False


def invitation_create_for_user(
    *, trip: Trip, inviter, user_id, role: str
) -> tuple[Invitation, bool]:
    """The member-add route (``POST /trips/{id}/members``): nobody joins a trip without
    consenting, so adding a user (or re-adding one who left) invites them, to their verified
    email and bound to their account, exactly as an invitation by address would."""
    if role == MemberRole.OWNER:
        raise Forbidden("The OWNER role cannot be assigned.", code="owner_role_forbidden")
    user = user_get(user_id)
    if user is None:
        raise NotFound("User not found.", code="user_not_found")
    if not user.email:  # only verified addresses are stored: this one has none yet
        raise ApplicationError(
            "This user has no verified email address to invite yet.",
            code="email_not_verified",
            details={"user_id": ["The user has not verified an email address."]},
        )
    return invitation_create(trip=trip, inviter=inviter, email=user.email, role=role, invitee=user)


def _publish(event_type: catalogue.EventType, invitation: Invitation, actor_id, **extra) -> None:
    """One copy with the invitee's email for the members who may list invitations, one
    without it for the others (the REST list is theirs only)."""
    payload = {
        "invitationId": str(invitation.pk),
        "inviteeEmail": invitation.shown_email or None,  # absent when the invitee is private
        "role": invitation.role,
        "status": invitation.status,
        **extra,
    }
    if payload["inviteeEmail"] is None:  # a private invitee: one copy fits everyone
        event_type.publish(trip_id=invitation.trip_id, user_id=actor_id, payload=payload)
        return
    allowed, others = trip_member_ids_split(
        trip_id=invitation.trip_id, action=event_type.restricted["inviteeEmail"]
    )
    for recipients, body in ((allowed, payload), (others, event_type.without_restricted(payload))):
        if recipients:
            event_type.publish(
                trip_id=invitation.trip_id,
                user_id=actor_id,
                payload=body,
                recipient_user_ids=recipients,
            )


def _record_answer(invitation: Invitation, user, status: str, now) -> None:
    invitation.status = status
    invitation.invitee = user
    invitation.responded_at = now
    invitation.save(update_fields=["status", "invitee", "responded_at", "updated_at"])


def _announce_created(invitation: Invitation) -> None:
    _publish(catalogue.TRIP_INVITATION_CREATED, invitation, invitation.inviter_id)
    if invitation.invitee_id is not None:
        notification_create(
            user_id=invitation.invitee_id,
            type="TRIP_INVITATION_RECEIVED",
            metadata=_metadata(invitation),
        )
    _schedule_email(invitation)


def invitation_accept(*, invitation_id, user, verified_email: str) -> Membership:
    """Join the trip with the invitation's role (reactivating a former membership) and mark
    the invitation ACCEPTED, in one transaction (``membership_add`` of the trips app)."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _lock(invitation_id)
        check_invitee(invitation, user, verified_email)
        _check_open(invitation, now)
        membership = membership_add(
            trip=invitation.trip, actor=user, user_id=user.pk, role=invitation.role
        )
        _record_answer(invitation, user, InvitationStatus.ACCEPTED, now)
        _announce_answer(invitation, user, catalogue.TRIP_INVITATION_ACCEPTED)
    metrics.count("InvitationsAccepted")
    return membership


def invitation_decline(*, invitation_id, user, verified_email: str) -> Invitation:
    """The invitee says no to a PENDING, unexpired invitation."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _lock(invitation_id)
        check_invitee(invitation, user, verified_email)
        _check_open(invitation, now)
        _record_answer(invitation, user, InvitationStatus.DECLINED, now)
        _announce_answer(invitation, user, catalogue.TRIP_INVITATION_DECLINED)
    return invitation


def _announce_answer(invitation: Invitation, user, event_type: catalogue.EventType) -> None:
    _publish(event_type, invitation, user.pk)
    if invitation.inviter_id is not None:
        notification_create(
            user_id=invitation.inviter_id,
            type=event_type.name,  # the notification types share the event names
            metadata=_metadata(invitation, inviteeID=str(user.pk), inviteeName=user.display_name),
        )


def invitation_revoke(*, trip: Trip, invitation_id, actor) -> Invitation:
    """A trip admin withdraws a PENDING invitation of this trip. It becomes DECLINED (the
    contract's status) with ``revoked_by`` set; the inviter gets no "declined" notification."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _lock(invitation_id, trip=trip)
        if invitation.status != InvitationStatus.PENDING:
            raise _not_pending(invitation)
        invitation.status = InvitationStatus.DECLINED
        invitation.revoked_by = actor
        invitation.responded_at = now
        invitation.save(update_fields=["status", "revoked_by", "responded_at", "updated_at"])
        _publish(catalogue.TRIP_INVITATION_DECLINED, invitation, actor.pk, revoked=True)
    return invitation


def invitation_expire_overdue(*, now=None) -> int:
    """PENDING invitations past ``expires_at`` become EXPIRED; returns how many. Idempotent,
    and safe beside an accept: the update waits for the accept's row lock, then skips the row
    if it is no longer PENDING."""
    now = now or timezone.now()
    return Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=now).update(
        status=InvitationStatus.EXPIRED, updated_at=now
    )


# --- Email -----------------------------------------------------------------------------------


def invitation_send_email(*, invitation_id) -> bool:
    """Send the invitation's email unless it was already sent (or can no longer be used);
    True if this call sent it.

    The invitation is claimed first (``email_sent_at`` set by a conditional UPDATE), so two
    runs never both send; a failed send releases the claim for a later retry and re-raises.
    """
    claimed_at = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation_id,
        status=InvitationStatus.PENDING,
        email_sent_at__isnull=True,
        expires_at__gt=claimed_at,
        trip__deleted_at__isnull=True,
    ).update(email_sent_at=claimed_at)
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("trip", "inviter").get(pk=invitation_id)
    try:
        _email(invitation).send()
    except Exception:
        Invitation.objects.filter(pk=invitation_id, email_sent_at=claimed_at).update(
            email_sent_at=None
        )
        metrics.count("EmailFailures")
        raise
    metrics.count("InvitationsSent")
    return True


def _email(invitation: Invitation) -> EmailMultiAlternatives:
    inviter = invitation.inviter.display_name if invitation.inviter else "Someone"
    context = {
        "inviter_name": inviter,
        "trip": invitation.trip,
        "role": "an admin" if invitation.role == MemberRole.ADMIN else "a member",
        "link": invitation_link(invitation),
        "expires_at": invitation.expires_at,
    }
    subject = f"{inviter} invited you to {invitation.trip.name} on NomadCrew"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # a header: no line breaks from names
        body=render_to_string("invitations/invitation_email.txt", context),
        to=[invitation.invitee_email],
    )
    message.attach_alternative(
        render_to_string("invitations/invitation_email.html", context), "text/html"
    )
    return message
