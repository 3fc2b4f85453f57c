"""Who sees a user's email and presence: themselves, people they share a live trip with, and
app admins. Anyone else gets a name and a picture, so the user base can't be harvested."""

import pytest
from django.utils import timezone

from apps.trips.models import Membership, MembershipStatus
from tests.factories import MembershipFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(
        username="alicewanders",
        email="alice.private@example.com",
        cognito_sub="sub-alice",
        last_seen_at=timezone.now(),
    )


def profile(client, user) -> dict:
    response = client.get(f"/v1/users/{user.id}")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_stranger_sees_no_email_or_presence(alice, user_client):
    body = profile(user_client, alice)
    assert body["username"] == "alicewanders"
    assert (body["email"], body["lastSeenAt"], body["isOnline"]) == ("", None, False)
    assert "contactEmail" not in body


def test_a_co_member_sees_the_email_and_presence(alice, user, user_client):
    MembershipFactory(trip=TripFactory(created_by=alice), user=user)
    body = profile(user_client, alice)
    assert body["email"] == "alice.private@example.com"
    assert body["isOnline"] is True
    assert "contactEmail" not in body  # still the owner's alone


@pytest.mark.parametrize("how", ["left the trip", "trip deleted"])
def test_a_former_co_member_is_a_stranger_again(alice, user, user_client, how):
    trip = TripFactory(created_by=alice)
    membership = MembershipFactory(trip=trip, user=user)
    if how == "left the trip":
        Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.INACTIVE)
    else:
        trip.deleted_at = timezone.now()
        trip.save()
    assert profile(user_client, alice)["email"] == ""


def test_an_app_admin_and_the_user_themselves_see_everything(alice, client_for):
    staff = UserFactory(is_staff=True)
    assert profile(client_for(staff), alice)["email"] == "alice.private@example.com"
    own = profile(client_for(alice), alice)
    assert own["email"] == alice.email
    assert "contactEmail" in own


def test_a_name_prefix_search_does_not_reveal_addresses(alice, user_client):
    response = user_client.get("/v1/users/search", {"q": "alic"})
    assert response.status_code == 200
    [hit] = response.json()["users"]
    assert (hit["id"], hit["email"]) == (str(alice.id), "")


def test_searching_the_whole_address_shows_it(alice, user_client):
    response = user_client.get("/v1/users/search", {"q": "Alice.Private@example.com"})
    [hit] = response.json()["users"]
    assert hit["email"] == "alice.private@example.com"


def test_search_shows_co_members_addresses_in_flat_queries(
    alice, user, user_client, django_assert_max_num_queries
):
    trip = TripFactory(created_by=user)
    MembershipFactory(trip=trip, user=alice)
    for index in range(5):
        UserFactory(username=f"alicewanders{index}", cognito_sub=f"sub-{index}")
    user_client.get("/v1/users/me")  # sign-in bookkeeping out of the counted request

    # 3 for the search, 1 for the user_search rate limit's counter (one upsert).
    with django_assert_max_num_queries(3 + 1):
        response = user_client.get("/v1/users/search", {"q": "alicewanders", "limit": 20})
    emails = {hit["username"]: hit["email"] for hit in response.json()["users"]}
    assert emails.pop("alicewanders") == "alice.private@example.com"
    assert set(emails.values()) == {""}
    assert len(emails) == 5
