"""Writes to shared locations: recording an update (and its events) and purging old rows."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.locations import selectors
from apps.locations.models import Location, stored_accuracy, stored_coordinates
from apps.users.models import LocationPrivacy

MAX_SHARING_SECONDS = 24 * 60 * 60


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def location_record(
    *,
    user,
    trip=None,
    latitude: float,
    longitude: float,
    accuracy: float | None = None,
    privacy: str | None = None,
    is_sharing_enabled: bool = True,
    sharing_expires_in: int | None = None,
) -> Location:
    """Store the user's new position in ``trip`` (None: the legacy trip-less update).

    Without an explicit ``privacy`` the user's profile preference applies, so a member who chose
    "hidden" in their profile is not exposed by an app build that never sends the field.
    Events go to the trip only: LOCATION_UPDATED when others may see the row,
    LOCATION_SHARING_CHANGED when the sharing flag differs from the member's previous row
    (no previous row counts as "not sharing").
    """
    privacy = privacy or user.location_privacy_preference or LocationPrivacy.APPROXIMATE
    now = timezone.now()
    expires_at = None
    if sharing_expires_in is not None:
        expires_at = now + timedelta(seconds=min(sharing_expires_in, MAX_SHARING_SECONDS))
    latitude, longitude = stored_coordinates(latitude, longitude, privacy)

    with transaction.atomic():
        previous_flag = (
            selectors.latest_sharing_flag(user=user, trip=trip) if trip is not None else None
        )
        location = Location.objects.create(
            user=user,
            trip=trip,
            latitude=latitude,
            longitude=longitude,
            accuracy=stored_accuracy(accuracy, privacy),
            privacy=privacy,
            is_sharing_enabled=is_sharing_enabled,
            sharing_expires_at=expires_at,
            recorded_at=now,
        )
        if trip is not None:
            _publish_location_events(location, previous_flag=bool(previous_flag))
    return location


def _publish_location_events(location: Location, *, previous_flag: bool) -> None:
    if location.is_sharing_enabled != previous_flag:
        catalogue.LOCATION_SHARING_CHANGED.publish(
            trip_id=location.trip_id,
            user_id=location.user_id,
            payload={
                "userId": str(location.user_id),
                "isSharingEnabled": location.is_sharing_enabled,
            },
        )
    if location.is_sharing_enabled and location.privacy != LocationPrivacy.HIDDEN:
        catalogue.LOCATION_UPDATED.publish(
            trip_id=location.trip_id,
            user_id=location.user_id,
            payload={
                "userId": str(location.user_id),
                "name": location.user.display_name,
                "location": {
                    "latitude": location.latitude,
                    "longitude": location.longitude,
                    "timestamp": epoch_ms(location.recorded_at),
                    # absent, not null, when unknown: the app's schema takes a number or nothing
                    **({} if location.accuracy is None else {"accuracy": location.accuracy}),
                },
            },
        )


def _same_stream(trip_is_null: bool) -> Q:
    """Rows of the outer row's (user, trip); a NULL trip (legacy) only matches NULL."""
    if trip_is_null:
        return Q(user_id=OuterRef("user_id"), trip__isnull=True)
    return Q(user_id=OuterRef("user_id"), trip_id=OuterRef("trip_id"))


def location_purge(*, now: datetime, retention: timedelta) -> int:
    """Delete rows nobody may see any more; returns how many. Running it twice deletes nothing
    the second time, and it never changes what the trip map shows:

    * an expired row, with every older row of the same (user, trip): once a sharing period has
      run out, an earlier position must not resurface as that member's "latest";
    * rows recorded before the retention window, except a (user, trip)'s newest row while it is
      still visible: members who stay put keep showing on the map, while their history, and
      anything hidden, disabled or expired, goes.
    """
    cutoff = now - retention
    deleted = 0
    with transaction.atomic():
        for trip_is_null in (False, True):
            stream = Location.objects.filter(trip__isnull=trip_is_null)
            same = _same_stream(trip_is_null)
            expired_since = Exists(
                Location.objects.filter(
                    same,
                    sharing_expires_at__lte=now,
                    recorded_at__gte=OuterRef("recorded_at"),
                )
            )
            count, _ = stream.filter(expired_since).delete()
            deleted += count

            newer = Exists(Location.objects.filter(same, recorded_at__gt=OuterRef("recorded_at")))
            kept_latest = Q(~newer) & selectors.visible_q(now)
            count, _ = stream.filter(recorded_at__lt=cutoff).exclude(kept_latest).delete()
            deleted += count
    return deleted


def location_erase_for_deleted_account(*, user) -> int:
    """Account deletion: every position the user ever shared goes (a personal data eraser)."""
    deleted, _ = Location.objects.filter(user=user).delete()
    return deleted
