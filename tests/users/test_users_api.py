"""The users API: onboarding, profile, search, preferences and push tokens (contract §2)."""

import threading

import pytest
from django.db import connection

from apps.users.models import PushToken, User
from tests.factories import PushTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- Onboarding -----------------------------------------------------------------------------


def test_onboard_with_access_token_reads_email_from_cognito(api_client, cognito):
    person = cognito.create_user(email="bob@example.com")
    response = api_client.post(
        "/v1/users/onboard",
        {"username": "bobby", "email": "attacker@evil.test"},
        **bearer(person.access_token),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["email"] == "bob@example.com"  # from Cognito, never from the body
    assert body["username"] == "bobby"
    user = User.objects.get(cognito_sub=person.sub)
    assert user.email == "bob@example.com"
    assert set(body) >= {
        "id",
        "email",
        "username",
        "firstName",
        "lastName",
        "avatarUrl",
        "displayName",
        "lastSeenAt",
        "locationPrivacyPreference",
        "preferences",
        "createdAt",
    }


def test_onboard_is_idempotent(api_client, cognito):
    person = cognito.create_user()
    first = api_client.post("/v1/users/onboard", {}, **bearer(person.id_token))
    second = api_client.post("/v1/users/onboard", {}, **bearer(person.id_token))
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert User.objects.filter(cognito_sub=person.sub).count() == 1


def test_onboard_without_username_derives_one(api_client, cognito):
    person = cognito.create_user(email="carla.m@example.com")
    response = api_client.post("/v1/users/onboard", **bearer(person.id_token))
    assert response.status_code == 200
    assert response.json()["username"].startswith("carla.m")


def test_onboard_username_taken_is_409(api_client, cognito):
    UserFactory(username="taken")
    person = cognito.create_user()
    response = api_client.post(
        "/v1/users/onboard", {"username": "TAKEN"}, **bearer(person.access_token)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert not User.objects.filter(cognito_sub=person.sub).exists()


def test_onboard_invalid_username_is_400_with_field_errors(api_client, cognito):
    person = cognito.create_user()
    response = api_client.post(
        "/v1/users/onboard", {"username": "no spaces!"}, **bearer(person.access_token)
    )
    assert response.status_code == 400
    assert response.json()["type"] == "VALIDATION"
    assert "username" in response.json()["details"]


def test_onboard_requires_a_token(api_client):
    response = api_client.post("/v1/users/onboard", {})
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_create_one_user(cognito):
    from rest_framework.test import APIClient

    person = cognito.create_user()
    barrier = threading.Barrier(4)
    statuses = []

    def onboard():
        client = APIClient()
        barrier.wait()
        try:
            statuses.append(
                client.post("/v1/users/onboard", {}, **bearer(person.access_token)).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=onboard) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200, 200, 200]
    assert User.objects.filter(cognito_sub=person.sub).count() == 1


def test_cognito_admin_group_makes_an_app_admin(api_client, cognito):
    admin = cognito.create_user(groups=["admins"])
    api_client.post("/v1/users/onboard", {}, **bearer(admin.access_token))
    plain = cognito.create_user()
    api_client.post("/v1/users/onboard", {}, **bearer(plain.access_token))

    assert api_client.get("/v1/users", **bearer(admin.access_token)).status_code == 200
    refused = api_client.get("/v1/users", **bearer(plain.access_token))
    assert refused.status_code == 403
    assert refused.json()["type"] == "AUTHORIZATION"


# --- Profile --------------------------------------------------------------------------------


def test_me_returns_profile_and_records_last_seen(user, user_client):
    response = user_client.get("/v1/users/me")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)
    assert response.json()["isOnline"] is True
    user.refresh_from_db()
    assert user.last_seen_at is not None


def test_get_other_user_hides_private_fields(user_client):
    other = UserFactory(contact_email="private@example.com", preferences={"ghostMode": True})
    response = user_client.get(f"/v1/users/{other.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == other.username
    assert "contactEmail" not in body
    assert "preferences" not in body


def test_get_unknown_user_is_404(user_client):
    response = user_client.get("/v1/users/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


def test_non_uuid_user_id_is_404_json(user_client):
    response = user_client.get("/v1/users/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["type"] == "NOT_FOUND"


def test_update_own_profile(user, user_client):
    response = user_client.put(
        f"/v1/users/{user.id}",
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "profilePictureUrl": "https://cdn.example.com/a.png",
            "locationPrivacyPreference": "hidden",
            "unknownField": "ignored",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["displayName"] == "Ada Lovelace"
    assert body["avatarUrl"] == "https://cdn.example.com/a.png"
    assert body["locationPrivacyPreference"] == "hidden"
    user.refresh_from_db()
    assert (user.first_name, user.location_privacy_preference) == ("Ada", "hidden")


def test_update_accepts_snake_case_keys(user, user_client):
    response = user_client.put(f"/v1/users/{user.id}", {"first_name": "Grace"})
    assert response.status_code == 200
    assert response.json()["firstName"] == "Grace"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "x" * 31}, "username"),
        ({"firstName": "x" * 51}, "firstName"),
        ({"locationPrivacyPreference": "everyone"}, "locationPrivacyPreference"),
        ({"avatarUrl": "not a url"}, "avatarUrl"),
    ],
)
def test_update_validation_errors_name_the_field(user, user_client, payload, field):
    response = user_client.put(f"/v1/users/{user.id}", payload)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_cannot_update_someone_else(user_client):
    other = UserFactory(first_name="Keep")
    response = user_client.put(f"/v1/users/{other.id}", {"firstName": "Hacked"})
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.first_name == "Keep"


def test_staff_can_update_anyone(client_for):
    staff = UserFactory(is_staff=True)
    other = UserFactory()
    response = client_for(staff).put(f"/v1/users/{other.id}", {"firstName": "Fixed"})
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.first_name == "Fixed"


def test_update_to_taken_username_is_409(user, user_client):
    UserFactory(username="occupied")
    response = user_client.put(f"/v1/users/{user.id}", {"username": "Occupied"})
    assert response.status_code == 409


def test_preferences_merge_and_null_deletes(user, user_client):
    user.preferences = {"ghostMode": False, "theme": "dark"}
    user.save()
    response = user_client.put(
        f"/v1/users/{user.id}/preferences",
        {"ghostMode": True, "theme": None, "notifications": {"chat_messages": False}},
    )
    assert response.status_code == 200
    # Keys inside preferences pass through untouched (not camel- or snake-cased).
    assert response.json()["preferences"] == {
        "ghostMode": True,
        "notifications": {"chat_messages": False},
    }
    user.refresh_from_db()
    assert user.preferences == {"ghostMode": True, "notifications": {"chat_messages": False}}


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ({f"k{i}": i for i in range(90)}, {f"n{i}": i for i in range(11)}),  # 101 keys merged
        ({"notes": "x" * 10_000}, {"more": "y" * 7_000}),  # over 16 KB merged
    ],
    ids=["keys", "bytes"],
)
def test_preferences_are_bounded_once_merged(user, user_client, stored, sent):
    user.preferences = stored
    user.save()
    response = user_client.put(f"/v1/users/{user.id}/preferences", sent)
    assert response.status_code == 400
    assert response.json()["code"] == "preferences_too_large"
    user.refresh_from_db()
    assert user.preferences == stored
    # Dropping keys in the same request makes room.
    room = {**sent, **dict.fromkeys(list(stored)[:20], None)}
    assert user_client.put(f"/v1/users/{user.id}/preferences", room).status_code == 200


def test_preferences_must_be_an_object(user, user_client):
    response = user_client.put(f"/v1/users/{user.id}/preferences", ["a"], format="json")
    assert response.status_code == 400


def test_contact_email(user, user_client):
    response = user_client.put("/v1/users/me/contact-email", {"email": "me@work.example"})
    assert response.status_code == 200
    assert response.json() == {"contactEmail": "me@work.example"}
    bad = user_client.put("/v1/users/me/contact-email", {"email": "nope"})
    assert bad.status_code == 400
    assert "email" in bad.json()["details"]


def test_sync_returns_profile(user, user_client):
    response = user_client.post("/v1/users/sync")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)


# --- Search and listing ---------------------------------------------------------------------


def test_search_matches_name_prefix_and_whole_email(user_client):
    UserFactory(username="marco_polo", email="marco@example.com", cognito_sub="s1")
    UserFactory(username="zed", email="zed@example.com", first_name="Marcella", cognito_sub="s2")
    UserFactory(username="other", email="other@example.com", cognito_sub="s3")

    names = user_client.get("/v1/users/search", {"q": "marc"}).json()["users"]
    assert {u["username"] for u in names} == {"marco_polo", "zed"}

    by_email = user_client.get("/v1/users/search", {"q": "OTHER@example.com"}).json()["users"]
    assert [u["username"] for u in by_email] == ["other"]

    # A fragment of an email finds nothing: the directory can't be harvested by domain.
    assert user_client.get("/v1/users/search", {"q": "example.com"}).json()["users"] == []


def test_search_query_too_short(user_client):
    response = user_client.get("/v1/users/search", {"q": "a"})
    assert response.status_code == 400
    assert "q" in response.json()["details"]


@pytest.mark.parametrize(("limit", "expected"), [("abc", 10), ("0", 10), ("50", 20), ("3", 3)])
def test_search_limit_falls_back_or_caps(user_client, limit, expected):
    for n in range(25):
        UserFactory(username=f"limit{n:02}", cognito_sub=f"limit-{n}")
    users = user_client.get("/v1/users/search", {"q": "limit", "limit": limit}).json()["users"]
    assert len(users) == expected


def test_user_list_for_admins_is_paginated_with_flat_queries(
    client_for, django_assert_max_num_queries
):
    admin = UserFactory(is_staff=True)
    client = client_for(admin)
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(4):
        response = client.get("/v1/users", {"offset": 5, "limit": 10})
    assert response.status_code == 200
    body = response.json()
    assert len(body["users"]) == 10
    assert body["pagination"] == {"total": 31, "offset": 5, "limit": 10}


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}])
def test_user_list_rejects_bad_paging(client_for, query):
    response = client_for(UserFactory(is_staff=True)).get("/v1/users", query)
    assert response.status_code == 400


# --- Push tokens ----------------------------------------------------------------------------


def test_register_push_token_upserts(user, user_client):
    body = {"token": "ExponentPushToken[abc]", "deviceType": "ios"}
    first = user_client.post("/v1/users/push-token", body)
    second = user_client.post("/v1/users/push-token", {**body, "deviceType": "android"})
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["deviceType"] == "android"
    assert second.json()["isActive"] is True
    assert PushToken.objects.filter(user=user).count() == 1


def test_push_token_moves_to_the_new_owner_of_a_device(user, user_client):
    previous_owner_token = PushTokenFactory(token="ExponentPushToken[shared]")
    user_client.post(
        "/v1/users/push-token", {"token": "ExponentPushToken[shared]", "deviceType": "ios"}
    )
    previous_owner_token.refresh_from_db()
    assert previous_owner_token.is_active is False
    assert PushToken.objects.get(user=user).is_active is True


def test_register_push_token_validates_device_type(user_client):
    response = user_client.post("/v1/users/push-token", {"token": "t", "deviceType": "nokia"})
    assert response.status_code == 400
    assert "deviceType" in response.json()["details"]


def test_deregister_one_and_all_push_tokens(user, user_client):
    PushTokenFactory(user=user, token="a")
    PushTokenFactory(user=user, token="b")
    other = PushTokenFactory(token="a")

    response = user_client.delete("/v1/users/push-token", {"token": "a"})
    assert response.status_code == 204
    assert set(
        PushToken.objects.filter(user=user, is_active=True).values_list("token", flat=True)
    ) == {"b"}

    assert user_client.delete("/v1/users/push-tokens").status_code == 204
    assert not PushToken.objects.filter(user=user, is_active=True).exists()
    other.refresh_from_db()
    assert other.is_active is True
