"""The server-generated notification text, row by row of contract §10's table."""

import pytest

from apps.notifications.messages import GENERIC_MESSAGE, notification_message
from apps.notifications.models import NotificationType

FULL = {
    "inviterName": "Ana",
    "tripName": "Lisbon",
    "senderName": "Ben",
    "addedUserName": "Cleo",
    "memberName": "Dev",
    "assignerName": "Eve",
    "completerName": "Finn",
    "todoTitle": "Book ferry",
    "inviteeName": "Gus",
    "documentName": "Passport",
    "daysLeft": 30,
}

ROWS = [
    # (types, full metadata message, message with no metadata)
    (
        ["TRIP_INVITATION", "TRIP_INVITATION_RECEIVED"],
        "Ana invited you to Lisbon",
        "Someone invited you to a trip",
    ),
    (["CHAT_MESSAGE", "NEW_CHAT_MESSAGE"], "Ben sent a message", "Someone sent a message"),
    (
        ["MEMBER_ADDED", "TRIP_MEMBER_JOINED", "MEMBERSHIP_CHANGE"],
        "Cleo joined Lisbon",
        "A new member joined your trip",
    ),
    (["TRIP_UPDATE", "TRIP_UPDATED"], "Lisbon has been updated", "Your trip has been updated"),
    (
        ["TODO_ASSIGNED", "TASK_ASSIGNED"],
        "Eve assigned you: Book ferry",
        "Someone assigned you: a task",
    ),
    (
        ["TODO_COMPLETED", "TASK_COMPLETED"],
        "Finn completed: Book ferry",
        "Someone completed: a task",
    ),
    (["TRIP_MEMBER_LEFT"], "Dev left Lisbon", "A member left your trip"),
    (
        ["TRIP_INVITATION_ACCEPTED"],
        "Gus accepted your invitation to Lisbon",
        "Someone accepted your invitation to your trip",
    ),
    (
        ["TRIP_INVITATION_DECLINED"],
        "Gus declined your invitation to Lisbon",
        "Someone declined your invitation to your trip",
    ),
    (["WALLET_DOCUMENT_EXPIRING"], "Passport expires in 30 days", "A document expires soon"),
]
CASES = [(t, full, empty) for types, full, empty in ROWS for t in types]


@pytest.mark.parametrize(("notification_type", "expected", "_"), CASES)
def test_message_uses_metadata(notification_type, expected, _):
    assert notification_message(notification_type, FULL) == expected


@pytest.mark.parametrize(("notification_type", "_", "expected"), CASES)
def test_message_falls_back_without_metadata(notification_type, _, expected):
    assert notification_message(notification_type, {}) == expected


@pytest.mark.parametrize(
    "notification_type",
    sorted(set(NotificationType.values) - {t for t, _, _ in CASES}),
)
def test_other_types_get_the_generic_message(notification_type):
    assert notification_message(notification_type, FULL) == GENERIC_MESSAGE


def test_unknown_type_gets_the_generic_message():
    assert notification_message("SOMETHING_NEW", FULL) == GENERIC_MESSAGE


def test_member_joined_prefers_added_user_name_then_member_name():
    assert notification_message("MEMBER_ADDED", {"memberName": "Dev", "tripName": "Oslo"}) == (
        "Dev joined Oslo"
    )
    both = {"addedUserName": "Cleo", "memberName": "Dev", "tripName": "Oslo"}
    assert notification_message("TRIP_MEMBER_JOINED", both) == "Cleo joined Oslo"


@pytest.mark.parametrize("bad", [None, 42, "", "   ", ["Ana"], {"x": 1}])
def test_non_string_or_blank_values_fall_back(bad):
    metadata = {"inviterName": bad, "tripName": bad}
    assert notification_message("TRIP_INVITATION", metadata) == "Someone invited you to a trip"


@pytest.mark.parametrize("metadata", [None, [], "text", 7])
def test_metadata_that_is_not_an_object_is_treated_as_empty(metadata):
    assert notification_message("CHAT_MESSAGE", metadata) == "Someone sent a message"


def test_every_contract_type_is_a_choice():
    contract = {
        "TRIP_INVITATION_RECEIVED",
        "TRIP_INVITATION_ACCEPTED",
        "TRIP_INVITATION_DECLINED",
        "TRIP_UPDATE",
        "NEW_CHAT_MESSAGE",
        "EXPENSE_REPORT_SUBMITTED",
        "TASK_ASSIGNED",
        "TASK_COMPLETED",
        "LOCATION_SHARED",
        "MEMBERSHIP_CHANGE",
        "TRIP_INVITATION",
        "TRIP_MEMBER_JOINED",
        "TRIP_MEMBER_LEFT",
        "TRIP_UPDATED",
        "CHAT_MESSAGE",
        "TODO_ASSIGNED",
        "TODO_COMPLETED",
        "MEMBER_ADDED",
    }
    # The one type added since: the wallet's reminders (the app shows unknown types as is).
    assert set(NotificationType.values) == contract | {"WALLET_DOCUMENT_EXPIRING"}


def test_wallet_passport_warning_names_the_trip():
    metadata = {"documentName": "Passport", "reason": "passport_validity", "tripName": "Peru"}
    assert notification_message("WALLET_DOCUMENT_EXPIRING", metadata) == (
        "Passport expires less than six months after Peru ends"
    )
    assert notification_message("WALLET_DOCUMENT_EXPIRING", {"daysLeft": 1}) == (
        "A document expires in 1 day"
    )
