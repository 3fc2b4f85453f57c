"""The pure rules (status machine, role ranking, the permission table) and the database
constraints that back them whatever code writes the rows."""

import itertools
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Forbidden, NotFound
from apps.trips.models import (
    MemberRole,
    Membership,
    Trip,
    TripStatus,
    can_transition,
    role_at_least,
)
from apps.trips.permissions import (
    PERMISSIONS,
    check_author_rule,
    trip_membership_for,
)
from tests.factories import MembershipFactory, TripFactory, UserFactory

LEGAL = {
    ("PLANNING", "ACTIVE"),
    ("PLANNING", "CANCELLED"),
    ("ACTIVE", "COMPLETED"),
    ("ACTIVE", "CANCELLED"),
}
ALL_PAIRS = list(itertools.product(TripStatus.values, repeat=2))


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_can_transition_allows_exactly_the_contract_pairs(old, new):
    assert can_transition(old, new) is ((old, new) in LEGAL)


def test_unknown_statuses_never_transition():
    assert not can_transition("DRAFT", "ACTIVE")
    assert not can_transition("PLANNING", "DRAFT")


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        ("OWNER", "OWNER", True),
        ("OWNER", "ADMIN", True),
        ("OWNER", "MEMBER", True),
        ("ADMIN", "OWNER", False),
        ("ADMIN", "ADMIN", True),
        ("ADMIN", "MEMBER", True),
        ("MEMBER", "OWNER", False),
        ("MEMBER", "ADMIN", False),
        ("MEMBER", "MEMBER", True),
        ("GUEST", "MEMBER", False),
    ],
)
def test_role_ranking(role, minimum, allowed):
    assert role_at_least(role, minimum) is allowed


# The contract's §0.3 matrix (with Part 1 §4: update is ADMIN+), as the table must encode it.
MATRIX = {
    "trip.read": "MEMBER",
    "trip.update": "ADMIN",
    "trip.delete": "OWNER",
    "member.add": "OWNER",
    "member.list": "MEMBER",
    "member.remove": "OWNER",
    "member.change_role": "ADMIN",
    "member.leave": "MEMBER",
    "invitation.create": "ADMIN",
    "invitation.list": "ADMIN",
    "invitation.revoke": "ADMIN",
    "chat.create": "MEMBER",
    "chat.read": "MEMBER",
    "todo.create": "MEMBER",
    "todo.read": "MEMBER",
    "location.create": "MEMBER",
    "location.read": "MEMBER",
    "poll.create": "MEMBER",
    "poll.read": "MEMBER",
}
AUTHOR_RULES = {
    "todo.update": "ADMIN",
    "todo.delete": "ADMIN",
    "poll.update": "ADMIN",
    "poll.delete": "ADMIN",
    "poll.close": "ADMIN",
    "chat.update": "NOBODY",
    "chat.delete": "ADMIN",
    "location.update": "NOBODY",
}


@pytest.mark.parametrize(("action", "role"), MATRIX.items())
def test_permission_table_matches_the_contract_matrix(action, role):
    assert PERMISSIONS[action].role == role


@pytest.mark.parametrize(("action", "others"), AUTHOR_RULES.items())
def test_author_owned_actions_need_membership_then_author_or_role(action, others):
    assert PERMISSIONS[action].role == "MEMBER"
    assert PERMISSIONS[action].others == others


def test_every_rule_names_a_real_role():
    roles = set(MemberRole.values)
    for action, rule in PERMISSIONS.items():
        assert rule.role in roles, action
        assert rule.others in {*roles, "NOBODY", None}, action


@pytest.mark.django_db
class TestTripMembershipFor:
    def test_returns_the_membership_with_its_trip_in_one_query(self, django_assert_num_queries):
        trip = TripFactory()
        with django_assert_num_queries(1):
            membership = trip_membership_for(trip.created_by, trip.pk, "trip.delete")
            assert membership.trip.name == trip.name
        assert membership.role == "OWNER"

    def test_role_below_the_table_is_forbidden(self):
        member = MembershipFactory(role="ADMIN")
        with pytest.raises(Forbidden) as raised:
            trip_membership_for(member.user, member.trip_id, "trip.delete")
        assert raised.value.code == "insufficient_role"

    @pytest.mark.parametrize("case", ["stranger", "inactive", "deleted", "missing", "garbage"])
    def test_no_way_in_is_a_404(self, case):
        membership = MembershipFactory(status="INACTIVE" if case == "inactive" else "ACTIVE")
        user, trip_id = membership.user, membership.trip_id
        if case == "stranger":
            user = UserFactory()
        elif case == "deleted":
            Trip.objects.filter(pk=trip_id).update(deleted_at=timezone.now())
        elif case == "missing":
            trip_id = "6a1c9a56-94b3-4b8a-9d43-000000000000"
        elif case == "garbage":
            trip_id = "not-a-uuid"
        with pytest.raises(NotFound) as raised:
            trip_membership_for(user, trip_id, "trip.read")
        assert raised.value.code == "trip_not_found"

    def test_unknown_action_fails_loudly(self):
        membership = MembershipFactory()
        with pytest.raises(KeyError):
            trip_membership_for(membership.user, membership.trip_id, "trip.fly")


@pytest.mark.django_db
class TestCheckAuthorRule:
    def test_author_may_act_on_own_item(self):
        member = MembershipFactory(role="MEMBER")
        check_author_rule(member, "chat.update", member.user_id)
        check_author_rule(member, "todo.delete", str(member.user_id))

    def test_admin_may_act_on_others_items_where_the_rule_allows(self):
        admin = MembershipFactory(role="ADMIN")
        check_author_rule(admin, "todo.delete", UserFactory().pk)

    def test_member_may_not_act_on_others_items(self):
        member = MembershipFactory(role="MEMBER")
        with pytest.raises(Forbidden) as raised:
            check_author_rule(member, "poll.close", UserFactory().pk)
        assert raised.value.code == "insufficient_role"

    def test_author_only_actions_refuse_even_the_owner(self):
        owner = Membership.objects.get(trip=TripFactory(), role="OWNER")
        with pytest.raises(Forbidden) as raised:
            check_author_rule(owner, "chat.update", UserFactory().pk)
        assert raised.value.code == "not_author"


@pytest.mark.django_db
class TestConstraints:
    """Each invariant holds in the database even when the service layer is bypassed."""

    def assert_rejected(self, **fields):
        creator = UserFactory()
        values = {
            "name": "Raw",
            "start_date": date(2025, 6, 1),
            "end_date": date(2025, 6, 5),
            "created_by": creator,
            **fields,
        }
        with pytest.raises(IntegrityError), transaction.atomic():
            Trip.objects.create(**values)

    def test_end_before_start(self):
        self.assert_rejected(start_date=date(2025, 6, 5), end_date=date(2025, 6, 1))

    def test_latitude_out_of_range(self):
        self.assert_rejected(destination_latitude=90.5, destination_longitude=0)

    def test_longitude_out_of_range(self):
        self.assert_rejected(destination_latitude=0, destination_longitude=-180.5)

    def test_half_a_coordinate(self):
        self.assert_rejected(destination_latitude=10)

    def test_unknown_status(self):
        self.assert_rejected(status="DRAFT")

    def test_same_day_trip_is_fine(self):
        trip = TripFactory(start_date=date(2025, 6, 1), end_date=date(2025, 6, 1))
        assert Trip.objects.filter(pk=trip.pk).exists()

    def test_one_membership_per_user_and_trip(self):
        membership = MembershipFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(trip=membership.trip, user=membership.user)

    def test_unknown_role(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            MembershipFactory(role="GUEST")
