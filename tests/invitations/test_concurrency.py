"""Races against real PostgreSQL: each thread has its own connection and transaction."""

import pytest

from apps.core.errors import ApplicationError
from apps.invitations import services
from apps.invitations.models import Invitation
from apps.trips.models import Membership
from tests.concurrency import race
from tests.factories import InvitationFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def codes(results):
    return sorted(r.code if isinstance(r, ApplicationError) else type(r).__name__ for r in results)


@pytest.mark.parametrize("attempts", [2, 4])
def test_concurrent_accepts_let_exactly_one_win(attempts):
    invitee = UserFactory(email="guest@example.com")
    invitation = InvitationFactory(invitee_email="guest@example.com")

    def accept():
        return services.invitation_accept(
            invitation_id=invitation.pk, user=invitee, verified_email=invitee.email
        )

    results = race(*[accept] * attempts)

    winners = [r for r in results if isinstance(r, Membership)]
    assert len(winners) == 1
    assert codes(results) == sorted(["Membership"] + ["invitation_not_pending"] * (attempts - 1))
    assert Membership.objects.filter(trip=invitation.trip, user=invitee).count() == 1
    invitation.refresh_from_db()
    assert invitation.status == "ACCEPTED"


def test_accept_racing_a_revoke_ends_in_one_outcome():
    invitee = UserFactory(email="guest@example.com")
    invitation = InvitationFactory(invitee_email="guest@example.com")
    owner = invitation.trip.created_by

    results = race(
        lambda: services.invitation_accept(
            invitation_id=invitation.pk, user=invitee, verified_email=invitee.email
        ),
        lambda: services.invitation_revoke(
            trip=invitation.trip, invitation_id=invitation.pk, actor=owner
        ),
    )

    invitation.refresh_from_db()
    joined = Membership.objects.filter(trip=invitation.trip, user=invitee).exists()
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1
    assert failures[0].code == "invitation_not_pending"
    assert (invitation.status, joined) in {("ACCEPTED", True), ("DECLINED", False)}


def test_concurrent_invites_of_one_address_store_one_invitation():
    trip = TripFactory()
    owner = trip.created_by

    def invite():
        return services.invitation_create(
            trip=trip, inviter=owner, email="Same@Example.com", role="MEMBER"
        )

    results = race(invite, invite, invite)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _, created in results) == [False, False, True]
    assert len({invitation.pk for invitation, _ in results}) == 1
    invitation = Invitation.objects.get()
    assert invitation.resend_count == 2
