"""Writes to trips and memberships: the business rules of contract §3-4 and their events.

Views authorise with ``apps.trips.permissions`` first; these functions enforce what no role
can override: the status machine (``trip_change_status`` is its only door), the trip's own
invariants, the owner's immutability and "a trip always keeps an owner".
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.core import media
from apps.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from apps.notifications.models import NotificationType
from apps.notifications.services import notification_create, notification_create_many
from apps.trips.models import (
    STATUS_TRANSITIONS,
    MemberRole,
    Membership,
    MembershipStatus,
    Trip,
    TripImage,
    TripStatus,
    can_transition,
)
from apps.trips.permissions import trip_not_found
from apps.trips.selectors import trip_member_user_ids
from apps.trips.serializers import member_event_payload, trip_payload
from apps.users.selectors import user_get

# What a client may set on a trip; status is not here: it only changes through the machine.
TRIP_FIELDS = (
    "name",
    "description",
    "start_date",
    "end_date",
    "destination_place_id",
    "destination_address",
    "destination_name",
    "destination_latitude",
    "destination_longitude",
    "background_image_url",
)


def _trip_update_metadata(trip: Trip, actor, changed_fields: list[str]) -> dict[str, Any]:
    """The keys the app validates for a trip-updated notification (contract Part 1 §1)."""
    return {
        "tripID": str(trip.pk),
        "tripName": trip.name,
        "updaterName": actor.display_name,
        "changedFields": changed_fields,
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _check_trip(trip: Trip) -> None:
    """The 400 twins of the table's check constraints, so bad input never reaches them."""
    if trip.end_date < trip.start_date:
        raise ApplicationError(
            "The end date cannot be before the start date.",
            code="invalid_dates",
            details={"end_date": ["Must be on or after the start date."]},
        )
    if (trip.destination_latitude is None) != (trip.destination_longitude is None):
        raise ApplicationError(
            "Give both the destination latitude and longitude, or neither.",
            code="invalid_coordinates",
            details={"destination_latitude": ["Latitude and longitude go together."]},
        )


def _lock_trip(trip_id) -> Trip:
    trip = Trip.objects.alive().select_for_update().filter(pk=trip_id).first()
    if trip is None:
        raise trip_not_found()
    return trip


def trip_create(*, user, data: dict[str, Any]) -> Trip:
    """The trip and its creator's OWNER membership, in one transaction."""
    trip = Trip(
        created_by=user,
        status=TripStatus.PLANNING,  # never the client's: the machine moves it later
        **{field: data[field] for field in TRIP_FIELDS if field in data},
    )
    _check_trip(trip)
    with transaction.atomic():
        trip.save()
        Membership.objects.create(trip=trip, user=user, role=MemberRole.OWNER)
        catalogue.TRIP_CREATED.publish(trip_id=trip.pk, user_id=user.pk, payload=trip_payload(trip))
    return trip


def trip_change_status(*, trip: Trip, actor, status: str) -> Trip:
    """Move a trip along the status machine; anything else is a 409."""
    with transaction.atomic():
        locked = _lock_trip(trip.pk)
        old_status = locked.status
        if not can_transition(old_status, status):
            raise Conflict(
                f"A trip cannot go from {old_status} to {status}.",
                code="invalid_status_transition",
                details={"status": [f"Allowed from {old_status}: {_allowed(old_status)}."]},
            )
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        catalogue.TRIP_STATUS_UPDATED.publish(
            trip_id=locked.pk,
            user_id=actor.pk,
            payload={"id": str(locked.pk), "status": status, "oldStatus": old_status},
        )
        notification_create_many(
            user_ids=trip_member_user_ids(trip_id=locked.pk, exclude_user_id=actor.pk),
            type=NotificationType.TRIP_UPDATED,
            metadata=_trip_update_metadata(locked, actor, ["status"]),
        )
    return locked


def _allowed(status: str) -> str:
    targets = sorted(STATUS_TRANSITIONS.get(status, ()))
    return ", ".join(targets) if targets else "none (final)"


def trip_update(*, trip: Trip, actor, data: dict[str, Any]) -> Trip:
    """Partial update. A ``status`` different from the current one goes through
    ``trip_change_status``; the same status is no change (a PUT states the desired object)."""
    with transaction.atomic():
        locked = _lock_trip(trip.pk)
        changed: list[str] = []
        new_status = data.get("status")
        if new_status and new_status != locked.status:
            locked = trip_change_status(trip=locked, actor=actor, status=new_status)
            changed.append("status")
        fields = [f for f in TRIP_FIELDS if f in data and getattr(locked, f) != data[f]]
        for field in fields:
            setattr(locked, field, data[field])
        if fields:
            _check_trip(locked)
            saved = list(fields)
            if "background_image_url" in fields and locked.background_image_key:
                locked.background_image_key = ""  # a URL set explicitly replaces the upload
                saved.append("background_image_key")
            locked.save(update_fields=[*saved, "updated_at"])
            changed.extend(fields)
        if changed:
            _trip_updated(locked, actor, [_camel(f) for f in changed])
            if fields:  # a status change was notified by trip_change_status
                notification_create_many(
                    user_ids=trip_member_user_ids(trip_id=locked.pk, exclude_user_id=actor.pk),
                    type=NotificationType.TRIP_UPDATED,
                    metadata=_trip_update_metadata(locked, actor, [_camel(f) for f in fields]),
                )
    return locked


def trip_delete(*, trip: Trip, actor) -> None:
    """Soft delete: the trip disappears from every route; its rows stay for audit."""
    with transaction.atomic():
        locked = _lock_trip(trip.pk)
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at", "updated_at"])
        _announce_trip_deleted(locked, actor)


def _announce_trip_deleted(trip: Trip, actor) -> None:
    catalogue.TRIP_DELETED.publish(trip_id=trip.pk, user_id=actor.pk, payload={"id": str(trip.pk)})


def membership_add(*, trip: Trip, actor, user_id, role: str) -> Membership:
    """Add (or reactivate) a member as ADMIN or MEMBER: only through an accepted invitation
    (``invitations.services.invitation_accept``, the invitee as ``actor``), since nobody joins a
    trip without consenting; the member-add route invites instead."""
    if role == MemberRole.OWNER:
        raise Forbidden("The OWNER role cannot be assigned.", code="owner_role_forbidden")
    user = user_get(user_id)
    if user is None:
        raise NotFound("User not found.", code="user_not_found")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(trip=trip, user_id=user.pk).first()
        )
        if membership is not None and membership.is_active:
            raise _already_member()
        if membership is not None:
            membership.role = role
            membership.status = MembershipStatus.ACTIVE
            membership.save(update_fields=["role", "status", "updated_at"])
        else:
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(trip=trip, user=user, role=role)
            except IntegrityError:
                raise _already_member() from None  # a concurrent add won the race
        catalogue.MEMBER_ADDED.publish(
            trip_id=trip.pk,
            user_id=user.pk,
            payload=member_event_payload(membership, user, addedBy=str(actor.pk)),
        )
        catalogue.TRIP_MEMBER_JOINED.publish(
            trip_id=trip.pk,
            user_id=user.pk,
            payload={"userId": str(user.pk), "role": role, "addedBy": str(actor.pk)},
        )
        if str(actor.pk) != str(user.pk):  # an invitee accepting already knows
            notification_create(
                user_id=user.pk,
                type=NotificationType.MEMBER_ADDED,
                metadata={
                    "tripID": str(trip.pk),
                    "tripName": trip.name,
                    "addedUserID": str(user.pk),
                    "addedUserName": user.display_name,
                    "adderUserID": str(actor.pk),
                    "adderUserName": actor.display_name,
                },
            )
    return membership


def _already_member() -> Conflict:
    return Conflict("This user is already a member of this trip.", code="already_member")


def _active_membership_for_update(trip: Trip, user_id) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(trip=trip, user_id=user_id, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None:
        raise NotFound("This user is not a member of this trip.", code="member_not_found")
    return membership


def membership_remove(*, trip: Trip, actor, user_id) -> None:
    """Deactivate a membership: the actor leaving, or an owner removing someone else.

    Owners can't be removed by others, and the last owner can't leave: the trip's owner
    memberships are locked first, so two owners leaving at once can't both succeed.
    """
    leaving = str(user_id) == str(actor.pk)
    with transaction.atomic():
        owner_ids = {
            str(owner_id)
            for owner_id in Membership.objects.select_for_update()
            .filter(trip=trip, role=MemberRole.OWNER, status=MembershipStatus.ACTIVE)
            .order_by("pk")
            .values_list("user_id", flat=True)
        }
        membership = _active_membership_for_update(trip, user_id)
        if membership.role == MemberRole.OWNER:
            if not leaving:
                raise Forbidden("An owner cannot be removed by others.", code="owner_immutable")
            if not owner_ids - {str(user_id)}:
                raise ApplicationError(
                    "The last owner cannot leave the trip.",
                    code="last_owner",
                    details={"member_id": ["There must be at least one owner in the trip."]},
                )
        membership.status = MembershipStatus.INACTIVE
        membership.save(update_fields=["status", "updated_at"])
        _announce_member_left(trip, membership, removed_by=actor.pk)
        left = {
            "tripID": str(trip.pk),
            "tripName": trip.name,
            "memberID": str(user_id),
            "memberName": membership.user.display_name,
        }
        notification_create_many(
            user_ids=trip_member_user_ids(trip_id=trip.pk, exclude_user_id=actor.pk),
            type=NotificationType.TRIP_MEMBER_LEFT,
            metadata=left,
        )
        if not leaving:
            notification_create(
                user_id=user_id,
                type=NotificationType.MEMBERSHIP_CHANGE,
                metadata={**left, "removed": True, "updaterName": actor.display_name},
            )


def _announce_member_left(trip: Trip, membership: Membership, *, removed_by) -> None:
    catalogue.MEMBER_REMOVED.publish(
        trip_id=trip.pk,
        user_id=membership.user_id,
        payload=member_event_payload(membership, membership.user, removedBy=str(removed_by)),
    )
    catalogue.TRIP_MEMBER_LEFT.publish(
        trip_id=trip.pk,
        user_id=membership.user_id,
        payload={"userId": str(membership.user_id), "removedBy": str(removed_by)},
    )


def _announce_role_change(trip: Trip, membership: Membership, old_role: str, actor) -> None:
    catalogue.MEMBER_ROLE_UPDATED.publish(
        trip_id=trip.pk,
        user_id=membership.user_id,
        payload=member_event_payload(
            membership, membership.user, oldRole=old_role, updatedBy=str(actor.pk)
        ),
    )
    catalogue.TRIP_MEMBER_UPDATED.publish(
        trip_id=trip.pk,
        user_id=membership.user_id,
        payload={
            "userId": str(membership.user_id),
            "oldRole": old_role,
            "newRole": membership.role,
            "updatedBy": str(actor.pk),
        },
    )
    notification_create(
        user_id=membership.user_id,
        type=NotificationType.MEMBERSHIP_CHANGE,
        metadata={
            "tripID": str(trip.pk),
            "tripName": trip.name,
            "oldRole": old_role,
            "newRole": membership.role,
            "updaterName": actor.display_name,
        },
    )


def membership_change_role(*, trip: Trip, actor, user_id, role: str) -> Membership:
    """Set an ADMIN or MEMBER role. OWNER is neither assignable nor changeable."""
    if role == MemberRole.OWNER:
        raise Forbidden("The OWNER role cannot be assigned.", code="owner_immutable")
    with transaction.atomic():
        membership = _active_membership_for_update(trip, user_id)
        if membership.role == MemberRole.OWNER:
            raise Forbidden("An owner's role cannot be changed.", code="owner_immutable")
        old_role = membership.role
        if old_role == role:
            return membership
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        _announce_role_change(trip, membership, old_role, actor)
    return membership


# Who inherits a trip from an owner who deletes their account: the longest-standing ADMIN,
# else the longest-standing MEMBER (membership age; re-joining keeps the original row).
SUCCESSION_ORDER = (MemberRole.ADMIN, MemberRole.MEMBER)


def _successor(trip: Trip, leaving_user_id) -> Membership | None:
    rank = Case(
        *[When(role=role, then=Value(i)) for i, role in enumerate(SUCCESSION_ORDER)],
        output_field=IntegerField(),
    )
    return (
        Membership.objects.select_for_update()
        .filter(trip=trip, status=MembershipStatus.ACTIVE, role__in=SUCCESSION_ORDER)
        .exclude(user_id=leaving_user_id)
        .order_by(rank, "created_at", "pk")
        .first()
    )


def memberships_release_for_deleted_account(*, user) -> None:
    """Account deletion's part in trips: the user leaves every trip. Where they were the only
    owner, the trip passes to ``_successor``; with no other active member it is deleted. A trip
    is never left without an owner. Runs in the deletion's transaction (a personal data eraser,
    registered in ``apps.trips.apps``).

    Each trip is locked first, in trip id order, then its owners in ``membership_remove``'s
    order: two co-owners deleting their accounts at once are serialised, the second sees the
    first gone and hands the trip on."""
    trip_ids = (
        Membership.objects.filter(
            user=user, status=MembershipStatus.ACTIVE, trip__deleted_at__isnull=True
        )
        .order_by("trip_id")
        .values_list("trip_id", flat=True)
    )
    for trip_id in list(trip_ids):
        trip = Trip.objects.alive().select_for_update().filter(pk=trip_id).first()
        if trip is not None:
            _release_membership(trip, user)


def _release_membership(trip: Trip, user) -> None:
    owner_ids = set(
        Membership.objects.select_for_update()
        .filter(trip=trip, role=MemberRole.OWNER, status=MembershipStatus.ACTIVE)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    membership = (
        Membership.objects.select_for_update()
        .filter(trip=trip, user=user, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None:
        return
    if owner_ids == {user.pk}:
        heir = _successor(trip, user.pk)
        if heir is None:
            trip.deleted_at = timezone.now()
            trip.save(update_fields=["deleted_at", "updated_at"])
            _announce_trip_deleted(trip, user)
        else:
            old_role, heir.role = heir.role, MemberRole.OWNER.value
            heir.save(update_fields=["role", "updated_at"])
            _announce_role_change(trip, heir, old_role, user)
    membership.status = MembershipStatus.INACTIVE
    membership.save(update_fields=["status", "updated_at"])
    _announce_member_left(trip, membership, removed_by=user.pk)


def _trip_updated(trip: Trip, actor, changed_fields: list[str]) -> None:
    """TRIP_UPDATED carries the trip as GET renders it, so the app replaces its copy."""
    catalogue.TRIP_UPDATED.publish(
        trip_id=trip.pk,
        user_id=actor.pk,
        payload={**trip_payload(trip), "changedFields": changed_fields},
    )


def _background_changed(trip: Trip, actor) -> None:
    _trip_updated(trip, actor, ["backgroundImageUrl"])


def trip_image_add(*, trip: Trip, actor, key: str, set_as_background: bool = False) -> TripImage:
    """Record an uploaded image (its key already checked by ``media``), optionally as the
    trip's background."""
    with transaction.atomic():
        locked = _lock_trip(trip.pk)
        try:
            with transaction.atomic():
                image = TripImage.objects.create(trip=locked, key=key, uploaded_by=actor)
        except IntegrityError:
            raise Conflict(
                "That upload is already in the trip's images.", code="image_already_added"
            ) from None
        if set_as_background:
            locked.background_image_key = key
            locked.save(update_fields=["background_image_key", "updated_at"])
            _background_changed(locked, actor)
    image.trip = locked
    return image


def trip_image_delete(*, trip: Trip, actor, image_id) -> None:
    """Delete the row now and the object after commit; deleting the background clears it."""
    with transaction.atomic():
        locked = _lock_trip(trip.pk)
        image = TripImage.objects.filter(trip=locked, pk=image_id).first()
        if image is None:
            raise NotFound("Image not found.", code="image_not_found")
        image.delete()
        if locked.background_image_key == image.key:
            locked.background_image_key = ""
            locked.save(update_fields=["background_image_key", "updated_at"])
            _background_changed(locked, actor)
        transaction.on_commit(lambda: media.delete_quietly(image.key))
