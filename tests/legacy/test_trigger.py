"""Cognito's User Migration trigger, called in process (tests/package/test_package.py calls it
through the packaged Zappa handler)."""

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.legacy.triggers import REFUSAL, MigrationRefused, password_matches, user_migration
from tests.legacy.auth_fixtures import OLD_HASH, OLD_PASSWORD, imported_person
from tests.package.events import cognito_migration_event as migration_event

pytestmark = pytest.mark.django_db


def _sign_in(username: str, password: str = OLD_PASSWORD) -> dict:
    return user_migration(migration_event("UserMigration_Authentication", username, password))


def _refused(event: dict) -> str:
    with pytest.raises(MigrationRefused) as refusal:
        user_migration(copy.deepcopy(event))
    return str(refusal.value)


def test_right_password_migrates_a_confirmed_verified_user():
    person = imported_person(email="ana@example.com")

    answer = _sign_in("ana@example.com")

    assert answer["response"] == {
        "userAttributes": {"email": "ana@example.com", "email_verified": "true"},
        "finalUserStatus": "CONFIRMED",
        "messageAction": "SUPPRESS",
    }
    assert answer["userName"] == person.email


def test_email_matches_whatever_its_case():
    imported_person(email="Bruno@Example.com")
    assert _sign_in("  bruno@example.COM ")["response"]["userAttributes"]["email"] == (
        "Bruno@Example.com"
    )


@pytest.mark.parametrize(
    ("setup", "username", "password"),
    [
        ({}, "carla@example.com", "wrong-password"),
        ({}, "nobody@example.com", OLD_PASSWORD),
        ({"deleted_at": timezone.now()}, "carla@example.com", OLD_PASSWORD),
        ({"banned_until": timezone.now() + timedelta(days=30)}, "carla@example.com", OLD_PASSWORD),
        ({"confirmed": False}, "carla@example.com", OLD_PASSWORD),
        ({"encrypted_password": ""}, "carla@example.com", ""),
        ({}, "carla@example.com", OLD_PASSWORD + "x" * 80),
        ({}, "", OLD_PASSWORD),
    ],
    ids=[
        "wrong-password",
        "unknown",
        "deleted",
        "banned",
        "never-confirmed",
        "no-password-hash",
        "over-72-bytes",
        "no-username",
    ],
)
def test_sign_in_is_refused_with_one_generic_message(setup, username, password):
    imported_person(email="carla@example.com", **setup)
    event = migration_event("UserMigration_Authentication", username, password)
    assert _refused(event) == REFUSAL


def test_a_ban_that_ended_no_longer_refuses():
    imported_person(email="dora@example.com", banned_until=timezone.now() - timedelta(days=1))
    assert _sign_in("dora@example.com")["response"]["finalUserStatus"] == "CONFIRMED"


def test_disabled_profile_is_refused():
    person = imported_person(email="ema@example.com")
    person.user.is_active = False
    person.user.save(update_fields=["is_active"])
    assert _refused(migration_event("UserMigration_Authentication", person.email, OLD_PASSWORD))


def test_forgot_password_confirms_a_known_user_without_a_password():
    imported_person(email="fay@example.com")

    answer = user_migration(migration_event("UserMigration_ForgotPassword", "fay@example.com"))

    assert answer["response"] == {
        "userAttributes": {"email": "fay@example.com", "email_verified": "true"},
        "messageAction": "SUPPRESS",
    }


@pytest.mark.parametrize(
    "setup", [{"deleted_at": timezone.now()}, None], ids=["deleted", "unknown"]
)
def test_forgot_password_refuses_unknown_or_deleted_people(setup):
    if setup is not None:
        imported_person(email="gil@example.com", **setup)
    assert _refused(migration_event("UserMigration_ForgotPassword", "gil@example.com")) == REFUSAL


def test_other_trigger_sources_are_refused():
    imported_person(email="hal@example.com")
    assert _refused(migration_event("PreSignUp_SignUp", "hal@example.com", OLD_PASSWORD))


def test_supabase_2a_and_python_2b_hashes_both_check():
    assert OLD_HASH.startswith("$2b$")
    assert password_matches(OLD_PASSWORD, OLD_HASH)
    assert password_matches(OLD_PASSWORD, OLD_HASH.replace("$2b$", "$2a$"))
    assert not password_matches(OLD_PASSWORD.lower(), OLD_HASH)
    assert not password_matches(None, OLD_HASH)
    assert not password_matches(OLD_PASSWORD, "plaintext-not-a-hash")


def test_the_password_never_reaches_the_logs(caplog):
    imported_person(email="ivy@example.com")
    with caplog.at_level("DEBUG"):
        _sign_in("ivy@example.com")
        _refused(migration_event("UserMigration_Authentication", "ivy@example.com", "Guess-123"))
    assert OLD_PASSWORD not in caplog.text
    assert "Guess-123" not in caplog.text
    assert "ivy@example.com" not in caplog.text


def test_an_email_two_imported_people_share_is_refused():
    imported_person(email="jo@example.com")
    imported_person(email="JO@example.com")
    assert _refused(migration_event("UserMigration_Authentication", "jo@example.com", OLD_PASSWORD))
