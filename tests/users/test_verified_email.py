"""Only an email Cognito has verified is stored on a profile or matched against an invitation
(issue 11 item 1): setting someone else's address on your own Cognito account, unverified,
must not let you take over the invitations sent to them."""

import pytest
from rest_framework.test import APIClient

from apps.trips.models import Membership
from apps.users.models import User
from tests.factories import InvitationFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def set_email(cognito, person, email: str, *, verified: bool):
    """Change the Cognito user's email as UpdateUserAttributes does without the pool's
    verification rule: applied at once, ``email_verified`` as given. Returns fresh tokens."""
    cognito.client.admin_update_user_attributes(
        UserPoolId=cognito.pool_id,
        Username=person.username,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true" if verified else "false"},
        ],
    )
    return cognito.sign_in(person.username, email)


@pytest.mark.parametrize("token_use", ["access", "id"])
def test_onboarding_with_an_unverified_email_stores_no_email(api_client, cognito, token_use):
    person = set_email(cognito, cognito.create_user(), VICTIM, verified=False)
    token = person.access_token if token_use == "access" else person.id_token

    response = api_client.post("/v1/users/onboard", {}, **bearer(token))

    assert response.status_code == 200, response.content
    assert response.json()["email"] == ""
    assert User.objects.get(cognito_sub=person.sub).email == ""


@pytest.mark.parametrize("token_use", ["access", "id"])
def test_reonboarding_never_overwrites_a_verified_email_with_an_unverified_one(
    api_client, cognito, token_use
):
    person = cognito.create_user(email="me@example.com")
    assert api_client.post("/v1/users/onboard", {}, **bearer(person.id_token)).status_code == 200
    person = set_email(cognito, person, VICTIM, verified=False)
    token = person.access_token if token_use == "access" else person.id_token

    response = api_client.post("/v1/users/onboard", {}, **bearer(token))

    assert response.status_code == 200, response.content
    assert User.objects.get(cognito_sub=person.sub).email == "me@example.com"


def test_onboarding_stores_a_newly_verified_email(api_client, cognito):
    person = cognito.create_user(email="me@example.com")
    api_client.post("/v1/users/onboard", {}, **bearer(person.access_token))
    person = set_email(cognito, person, "new-me@example.com", verified=True)

    response = api_client.post("/v1/users/onboard", {}, **bearer(person.access_token))

    assert response.json()["email"] == "new-me@example.com"
    assert User.objects.get(cognito_sub=person.sub).email == "new-me@example.com"


@pytest.fixture
def taken_over(cognito):
    """An attacker whose Cognito email was set to the victim's address, unverified; their
    profile row already says the victim's address (as the old code stored it)."""
    attacker = UserFactory(email=VICTIM)
    person = set_email(cognito, cognito.create_user(), VICTIM, verified=False)
    User.objects.filter(pk=attacker.pk).update(cognito_sub=person.sub)
    return attacker, person


@pytest.mark.parametrize("token_use", ["access", "id"])
@pytest.mark.parametrize("how", ["by-id", "by-token"])
def test_accepting_an_invitation_to_an_unverified_email_is_refused(taken_over, token_use, how):
    attacker, person = taken_over
    invitation = InvitationFactory(trip=TripFactory(), invitee_email=VICTIM, role="ADMIN")
    client = APIClient()
    client.credentials(**bearer(person.access_token if token_use == "access" else person.id_token))

    if how == "by-id":
        response = client.post(f"/v1/invitations/{invitation.pk}/accept")
    else:
        from apps.invitations.tokens import invitation_token

        response = client.post(
            "/v1/invitations/accept", {"token": invitation_token(invitation)}, format="json"
        )

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "email_not_verified"
    assert not Membership.objects.filter(trip=invitation.trip, user=attacker).exists()
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"


def test_declining_or_reading_an_invitation_to_an_unverified_email_is_refused(taken_over):
    _, person = taken_over
    invitation = InvitationFactory(invitee_email=VICTIM)
    client = APIClient()
    client.credentials(**bearer(person.access_token))

    read = client.get(f"/v1/invitations/{invitation.pk}")
    decline = client.post(f"/v1/invitations/{invitation.pk}/decline")

    assert (read.status_code, read.json()["code"]) == (403, "email_not_verified")
    assert (decline.status_code, decline.json()["code"]) == (403, "email_not_verified")
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"


def test_accepting_with_a_freshly_verified_email_refreshes_the_profile(cognito):
    user = UserFactory(email="old@example.com")
    person = set_email(cognito, cognito.create_user(), "new@example.com", verified=True)
    User.objects.filter(pk=user.pk).update(cognito_sub=person.sub)
    invitation = InvitationFactory(invitee_email="new@example.com")
    client = APIClient()
    client.credentials(**bearer(person.access_token))

    response = client.post(f"/v1/invitations/{invitation.pk}/accept")

    assert response.status_code == 200, response.content
    assert Membership.objects.filter(trip=invitation.trip, user=user, status="ACTIVE").exists()
    user.refresh_from_db()
    assert user.email == "new@example.com"
