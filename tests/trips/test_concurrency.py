"""The last-owner rule under concurrency: the owner memberships are locked before the check."""

import threading

import pytest
from django.db import connection, transaction

from apps.core.errors import ApplicationError
from apps.trips import services
from apps.trips.models import Membership
from tests.concurrency import wait_until_blocked_on_a_lock
from tests.factories import MembershipFactory, TripFactory


@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner_behind():
    trip = TripFactory()
    first = trip.created_by
    second = MembershipFactory(trip=trip, role="OWNER").user
    first_left = threading.Event()
    release_first = threading.Event()
    contender_started = threading.Event()
    outcome: dict[str, str] = {}

    def leave_and_hold():
        """Leaves, then keeps the transaction (and its locks) open until released."""
        try:
            with transaction.atomic():
                services.membership_remove(trip=trip, actor=first, user_id=first.pk)
                first_left.set()
                release_first.wait(timeout=10)
            outcome["first"] = "left"
        finally:
            connection.close()

    def leave():
        contender_started.set()
        try:
            services.membership_remove(trip=trip, actor=second, user_id=second.pk)
            outcome["second"] = "left"
        except ApplicationError as error:
            outcome["second"] = error.code
        finally:
            connection.close()

    holder = threading.Thread(target=leave_and_hold)
    holder.start()
    assert first_left.wait(timeout=10)
    contender = threading.Thread(target=leave)
    contender.start()
    assert contender_started.wait(timeout=10)
    # The contender is proven to wait on the first owner's lock: without the lock it would
    # have read two owners and left, and this wait would fail.
    wait_until_blocked_on_a_lock()
    assert "second" not in outcome
    release_first.set()
    holder.join(timeout=10)
    contender.join(timeout=10)
    assert not holder.is_alive()
    assert not contender.is_alive()

    assert outcome == {"first": "left", "second": "last_owner"}
    active_owners = Membership.objects.filter(trip=trip, role="OWNER", status="ACTIVE")
    assert list(active_owners.values_list("user_id", flat=True)) == [second.pk]
