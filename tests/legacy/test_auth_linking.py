"""The first Cognito sign-in of an imported person finds their old profile by verified email
(apps/legacy/auth.py ``link_imported_profile``, called from apps/core/authentication.py)."""

import uuid
from datetime import timedelta

import jwt
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.users.models import User
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, TripFactory, UserFactory
from tests.legacy.auth_fixtures import imported_person

pytestmark = pytest.mark.django_db


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _email() -> str:
    return f"Imported-{uuid.uuid4().hex[:8]}@Example.com"


def _sub(user_id) -> str | None:
    return User.objects.get(pk=user_id).cognito_sub


def _unverified_cognito_user(cognito, email: str):
    """A pool user whose email Cognito has not verified (the conftest's users all have)."""
    username = f"unverified-{uuid.uuid4().hex[:8]}"
    cognito.client.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "false"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.client.admin_set_user_password(
        UserPoolId=cognito.pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    return cognito.sign_in(username, email)


@pytest.mark.parametrize("token_use", ["access", "id"])
def test_first_cognito_sign_in_links_the_imported_profile_and_its_trips(cognito, token_use):
    email = _email()
    person = imported_person(email=email)
    trip = TripFactory(created_by=person.user)
    MembershipFactory(trip=trip, user=UserFactory())
    signed_in = cognito.create_user(email=email.lower())
    client = _client(signed_in.access_token if token_use == "access" else signed_in.id_token)

    me = client.get("/v1/users/me")

    assert me.status_code == 200, me.content
    assert me.json()["id"] == str(person.user_id)
    assert _sub(person.user_id) == signed_in.sub
    trips = client.get("/v1/trips")
    assert trips.status_code == 200
    assert [t["id"] for t in trips.json()] == [str(trip.pk)]
    assert User.objects.filter(cognito_sub=signed_in.sub).count() == 1


def test_later_requests_find_the_linked_profile_by_sub(cognito, django_assert_max_num_queries):
    email = _email()
    person = imported_person(email=email)
    client = _client(cognito.create_user(email=email).access_token)
    assert client.get("/v1/users/me").status_code == 200

    User.objects.filter(pk=person.user_id).update(email="changed@example.com")
    with django_assert_max_num_queries(4):
        again = client.get("/v1/users/me")
    assert again.json()["id"] == str(person.user_id)


def test_unverified_cognito_email_links_nothing(cognito):
    email = _email()
    person = imported_person(email=email)
    signed_in = _unverified_cognito_user(cognito, email)

    response = _client(signed_in.access_token).get("/v1/users/me")

    assert response.status_code != 200
    assert _sub(person.user_id) is None


def test_email_supabase_never_confirmed_links_nothing(cognito):
    email = _email()
    person = imported_person(email=email, confirmed=False)
    _client(cognito.create_user(email=email).access_token).get("/v1/users/me")
    assert _sub(person.user_id) is None


def test_profile_already_linked_is_not_taken_over(cognito):
    email = _email()
    person = imported_person(email=email)
    User.objects.filter(pk=person.user_id).update(cognito_sub="the-first-sub")
    _client(cognito.create_user(email=email).access_token).get("/v1/users/me")
    assert _sub(person.user_id) == "the-first-sub"


def test_only_imported_profiles_are_linked(cognito):
    email = _email()
    newcomer = UserFactory(email=email)
    _client(cognito.create_user(email=email).access_token).get("/v1/users/me")
    assert _sub(newcomer.pk) is None


@pytest.mark.parametrize(
    "state",
    [{"deleted_at": timezone.now()}, {"banned_until": timezone.now() + timedelta(days=1)}],
    ids=["deleted", "banned"],
)
def test_deleted_or_banned_people_are_not_linked(cognito, state):
    email = _email()
    person = imported_person(email=email, **state)
    _client(cognito.create_user(email=email).access_token).get("/v1/users/me")
    assert _sub(person.user_id) is None


def test_two_imported_profiles_with_one_email_link_neither(cognito):
    email = _email()
    first, second = imported_person(email=email), imported_person(email=email.upper())
    _client(cognito.create_user(email=email).access_token).get("/v1/users/me")
    assert _sub(first.user_id) is None
    assert _sub(second.user_id) is None


def test_onboarding_after_linking_keeps_the_old_profile(cognito):
    email = _email()
    person = imported_person(email=email)
    signed_in = cognito.create_user(email=email)
    client = _client(signed_in.access_token)

    response = client.post("/v1/users/onboard", {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(person.user_id)
    assert User.objects.filter(email__iexact=email).count() == 1


def test_forged_email_claim_without_cognito_signature_links_nothing(sign_token):
    """Only a verified token's email counts: the locally trusted signer stands in for a token
    whose claims we choose, and an unverified email there links nothing."""
    email = _email()
    person = imported_person(email=email)
    token = sign_token({"email": email, "email_verified": False})
    _client(token).get("/v1/users/me")
    assert _sub(person.user_id) is None
    verified = sign_token({"email": email, "email_verified": True})
    assert _client(verified).get("/v1/users/me").json()["id"] == str(person.user_id)
    assert _sub(person.user_id) == jwt.decode(verified, options={"verify_signature": False})["sub"]
