"""Account deletion (issue 11 item 5): ``DELETE /v1/users/me`` and the admin's delete erase the
personal data, keep trip history readable as "Deleted user", hand sole ownership on (or delete
a trip nobody else is in), and delete the Cognito user, retrying that step when it fails."""

import os
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from apps.chat.models import ChatReaction
from apps.core import cognito as cognito_module
from apps.locations.models import Location
from apps.notifications.models import Notification
from apps.polls.models import PollVote
from apps.trips.models import Membership, Trip
from apps.users.models import PushToken, User
from apps.users.tasks import finish_account_deletions
from tests.conftest import REGION, free_port
from tests.factories import (
    ChatMessageFactory,
    ChatReactionFactory,
    LocationFactory,
    MembershipFactory,
    NotificationFactory,
    PollFactory,
    PollVoteFactory,
    PushTokenFactory,
    TripFactory,
    UserFactory,
)
from tests.trips.events import trip_events

pytestmark = pytest.mark.django_db


def joined(trip, role, days_ago):
    """A member of ``trip`` whose membership is ``days_ago`` days old."""
    membership = MembershipFactory(trip=trip, role=role)
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return membership.user


def active_owners(trip) -> list:
    return list(
        Membership.objects.filter(trip=trip, role="OWNER", status="ACTIVE").values_list(
            "user_id", flat=True
        )
    )


def cognito_user_exists(cognito, username) -> bool:
    found = cognito.client.list_users(
        UserPoolId=cognito.pool_id, Filter=f'username = "{username}"'
    )["Users"]
    return bool(found)


@pytest.fixture
def leaver(client_for, s3_bucket, moto_endpoint):
    """A user with a Cognito identity, an avatar on S3, push tokens, locations, notifications,
    and trips in every situation deletion must handle."""
    user = UserFactory(first_name="Lena", last_name="Leaver", contact_email="lena@home.example")
    client = client_for(user)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint)
    avatar_key = f"avatars/{user.pk}/me.png"
    s3.put_object(Bucket=s3_bucket, Key=avatar_key, Body=b"\x89PNG")
    User.objects.filter(pk=user.pk).update(avatar_key=avatar_key)
    PushTokenFactory(user=user)
    NotificationFactory(user=user)

    # She owns "shared": an ADMIN joined after two MEMBERs; the ADMIN inherits it.
    shared = TripFactory(created_by=user, name="shared")
    early_member = joined(shared, "MEMBER", days_ago=30)
    joined(shared, "MEMBER", days_ago=20)
    heir_admin = joined(shared, "ADMIN", days_ago=10)
    joined(shared, "ADMIN", days_ago=5)
    message = ChatMessageFactory(trip=shared, sender=user, content="See you at the station")
    ChatReactionFactory(message=message, user=user)
    PollVoteFactory(option=PollFactory(trip=shared, created_by=user).options.first(), user=user)
    LocationFactory(trip=shared, user=user)
    # She owns "members only": the longest-standing MEMBER inherits it.
    members_only = TripFactory(created_by=user, name="members only")
    joined(members_only, "MEMBER", days_ago=3)
    heir_member = joined(members_only, "MEMBER", days_ago=9)
    # She owns "solo" with nobody else (a former member doesn't count): it is deleted.
    solo = TripFactory(created_by=user, name="solo")
    MembershipFactory(trip=solo, status="INACTIVE")
    # She is a plain member of "theirs": she just leaves it.
    theirs = TripFactory(name="theirs")
    MembershipFactory(trip=theirs, user=user)

    return {
        "user": User.objects.get(pk=user.pk),
        "client": client,
        "s3": s3,
        "bucket": s3_bucket,
        "avatar_key": avatar_key,
        "trips": {"shared": shared, "members only": members_only, "solo": solo, "theirs": theirs},
        "heirs": {"shared": heir_admin, "members only": heir_member},
        "early_member": early_member,
    }


def test_deleting_my_account_erases_me_and_keeps_the_trips_readable(
    leaver, cognito, client_for, capture_events
):
    user, trips, heirs = leaver["user"], leaver["trips"], leaver["heirs"]

    with capture_events() as events:
        response = leaver["client"].delete("/v1/users/me")

    assert response.status_code == 204, response.content
    # The row stays, anonymised and unusable.
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email, user.contact_email) == ("", "", "", "")
    assert user.username.startswith("deleted-")
    assert (user.is_active, user.avatar_key, user.display_name) == (False, "", "Deleted user")
    assert not user.has_usable_password()
    assert user.deleted_at is not None
    assert user.identity_deleted_at is not None
    # Personal data elsewhere is gone; other people's history is not.
    assert not PushToken.objects.filter(user=user).exists()
    assert not Location.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()
    assert ChatReaction.objects.filter(user=user).exists()
    assert PollVote.objects.filter(user=user).exists()
    # The avatar file and the Cognito user are deleted.
    with pytest.raises(ClientError):
        leaver["s3"].head_object(Bucket=leaver["bucket"], Key=leaver["avatar_key"])
    assert not cognito_user_exists(cognito, leaver["client"].cognito_user.username)
    # Ownership passed on: the longest-standing ADMIN, else MEMBER; the solo trip is deleted.
    assert active_owners(trips["shared"]) == [heirs["shared"].pk]
    assert active_owners(trips["members only"]) == [heirs["members only"].pk]
    assert Trip.objects.get(pk=trips["solo"].pk).deleted_at is not None
    assert active_owners(trips["theirs"]) == [trips["theirs"].created_by_id]
    assert not Membership.objects.filter(user=user, status="ACTIVE").exists()
    for trip in Trip.objects.alive():  # a live trip never ends without an owner
        assert active_owners(trip), trip.name
    # Her message is still listed, by "Deleted user".
    reader = client_for(leaver["early_member"])
    listed = reader.get(f"/v1/trips/{trips['shared'].pk}/chat/messages").json()["messages"]
    assert [(m["content"], m["sender"]) for m in listed] == [
        ("See you at the station", {"id": str(user.pk), "name": "Deleted user"})
    ]
    # Events say what changed, trip by trip.
    summary = {(e.type, e.trip_id, e.user_id) for e in trip_events(events)}
    shared, heir = str(trips["shared"].pk), str(heirs["shared"].pk)
    assert ("TRIP_MEMBER_UPDATED", shared, heir) in summary
    assert ("MEMBER_REMOVED", shared, str(user.pk)) in summary
    assert ("MEMBER_REMOVED", str(trips["theirs"].pk), str(user.pk)) in summary
    assert ("TRIP_DELETED", str(trips["solo"].pk), str(user.pk)) in summary
    updated = next(
        e for e in trip_events(events) if (e.type, e.trip_id) == ("TRIP_MEMBER_UPDATED", shared)
    )
    assert (updated.payload["oldRole"], updated.payload["newRole"]) == ("ADMIN", "OWNER")


def test_a_deleted_accounts_token_no_longer_works(leaver):
    client = leaver["client"]
    with_commit = client.delete("/v1/users/me")
    assert with_commit.status_code == 204

    for response in (client.get("/v1/users/me"), client.post("/v1/users/onboard", {})):
        assert response.status_code == 401
        assert response.json()["code"] == "account_disabled"


def test_repeating_the_delete_is_safe(leaver, django_capture_on_commit_callbacks):
    client, user = leaver["client"], leaver["user"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete("/v1/users/me").status_code == 204
    user.refresh_from_db()
    first = (user.username, user.deleted_at, user.identity_deleted_at)

    with django_capture_on_commit_callbacks(execute=True):
        again = client.delete("/v1/users/me")

    assert again.status_code == 204, again.content
    user.refresh_from_db()
    assert (user.username, user.deleted_at, user.identity_deleted_at) == first


@pytest.fixture
def cognito_down():
    """boto3 clients the app makes from here on reach a port where nothing listens."""
    previous = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    cognito_module._cognito_client.cache_clear()
    yield
    os.environ["AWS_ENDPOINT_URL"] = previous
    cognito_module._cognito_client.cache_clear()


def test_when_cognito_fails_the_data_is_erased_and_a_retry_finishes(
    leaver, cognito, django_capture_on_commit_callbacks, request
):
    client, user = leaver["client"], leaver["user"]
    username = client.cognito_user.username
    request.getfixturevalue("cognito_down")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete("/v1/users/me")

    # The data is erased at once; the identity is left for a retry, the account unusable.
    assert response.status_code == 204
    user.refresh_from_db()
    assert (user.is_active, user.email, user.identity_deleted_at) == (False, "", None)
    assert cognito_user_exists(cognito, username)
    assert finish_account_deletions() == 1  # still down: the schedule leaves it pending

    os.environ["AWS_ENDPOINT_URL"] = cognito.endpoint  # Cognito is back
    cognito_module._cognito_client.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.delete("/v1/users/me")

    assert retried.status_code == 204
    assert not cognito_user_exists(cognito, username)
    user.refresh_from_db()
    assert user.identity_deleted_at is not None
    assert finish_account_deletions() == 0


def test_the_schedule_finishes_a_pending_deletion(leaver, cognito, request):
    client, user = leaver["client"], leaver["user"]
    username = client.cognito_user.username
    assert client.delete("/v1/users/me").status_code == 204  # on-commit step never ran here
    assert cognito_user_exists(cognito, username)

    assert finish_account_deletions() == 0

    assert not cognito_user_exists(cognito, username)
    user.refresh_from_db()
    assert user.identity_deleted_at is not None


# --- The admin ------------------------------------------------------------------------------


def test_deleting_a_user_in_the_admin_is_the_account_deletion(
    leaver, admin_client, cognito, django_capture_on_commit_callbacks
):
    user, trips = leaver["user"], leaver["trips"]

    confirm = admin_client.get(f"/admin/users/user/{user.pk}/delete/")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/users/user/{user.pk}/delete/", {"post": "yes"})

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "(anonymised)" in page
    assert "Membership: " not in page  # nothing cascades, so nothing else is listed
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.is_active, user.display_name, user.email) == (False, "Deleted user", "")
    assert Membership.objects.filter(user=user).count() == 4  # kept, inactive
    assert ChatReaction.objects.filter(user=user).exists()
    assert PollVote.objects.filter(user=user).exists()
    assert active_owners(trips["shared"]) == [leaver["heirs"]["shared"].pk]
    assert not cognito_user_exists(cognito, leaver["client"].cognito_user.username)


def test_the_admins_bulk_delete_runs_the_account_deletion_for_each(admin_client):
    owner, other = UserFactory(), UserFactory()
    trip = TripFactory(created_by=owner)
    heir = MembershipFactory(trip=trip, role="MEMBER").user
    PollVoteFactory(option=PollFactory(trip=trip, created_by=owner).options.first(), user=owner)

    response = admin_client.post(
        "/admin/users/user/",
        {"action": "delete_selected", "_selected_action": [owner.pk, other.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert User.objects.filter(pk__in=[owner.pk, other.pk], is_active=False).count() == 2
    assert all(u.display_name == "Deleted user" for u in User.objects.filter(is_active=False))
    assert PollVote.objects.filter(user=owner).exists()
    assert active_owners(trip) == [heir.pk]


@pytest.mark.django_db(transaction=True)
def test_two_co_owners_deleting_at_once_still_leave_the_trip_an_owner():
    """Each deletion sees the other owner still active unless they are serialised: then both
    would leave and the trip would have no owner. The trip lock makes the second hand it on."""
    from apps.users.services import user_delete_account
    from tests.invitations.test_concurrency import race

    first, second = UserFactory(), UserFactory()
    trip = TripFactory(created_by=first)
    MembershipFactory(trip=trip, user=second, role="OWNER")
    heir = joined(trip, "MEMBER", days_ago=1)

    results = race(
        lambda: user_delete_account(user=first), lambda: user_delete_account(user=second)
    )

    assert all(isinstance(result, User) for result in results), results
    assert active_owners(trip) == [heir.pk]
    assert Trip.objects.get(pk=trip.pk).deleted_at is None
