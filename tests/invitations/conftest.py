"""Fixtures of the invitation tests: a crew's trip, an invitee with an account, their invite."""

import pytest

from apps.invitations.tokens import invitation_token
from tests.factories import InvitationFactory, UserFactory


@pytest.fixture
def invitee(db):
    return UserFactory(email="Guest.Traveller@Example.com")


@pytest.fixture
def invitation(trip_with_roles, invitee):
    """A PENDING MEMBER invitation of the crew's trip to the invitee's address (lower case)."""
    return InvitationFactory(
        trip=trip_with_roles.trip,
        inviter=trip_with_roles.admin,
        invitee_email=invitee.email.lower(),
    )


@pytest.fixture
def invitee_client(invitee, client_for):
    return client_for(invitee)


@pytest.fixture
def token_for():
    return invitation_token
