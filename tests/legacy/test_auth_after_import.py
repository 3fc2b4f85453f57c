"""Sign-in end to end on what import_legacy wrote: an old Supabase user keeps their password
(migration trigger), their first Cognito token finds their old profile and trips, and their old
Supabase token works meanwhile."""

import io

import bcrypt
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.legacy.triggers import user_migration
from apps.users.models import User
from tests.legacy.auth_fixtures import OLD_PASSWORD, SUPABASE_ISSUER, supabase_token
from tests.package.events import cognito_migration_event

pytestmark = pytest.mark.django_db

SECRET = "project-jwt-secret-of-the-old-supabase-project-0123"


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def imported(old_db):
    hashed = bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    ada = old_db.user(email="Ada@Example.com", username="ada", encrypted_password=hashed)
    trip = old_db.trip(ada, name="Lisbon")
    old_db.member(trip, ada, "OWNER")
    call_command("import_legacy", "--full", stdout=io.StringIO(), stderr=io.StringIO())
    return ada, trip


def test_old_password_then_first_cognito_sign_in_reaches_the_old_profile(imported, cognito):
    ada, trip = imported
    event = cognito_migration_event("UserMigration_Authentication", "ada@example.com", OLD_PASSWORD)

    migrated = user_migration(event)["response"]

    assert migrated["finalUserStatus"] == "CONFIRMED"
    # Cognito now creates the user with those attributes; the pool fixture does the same.
    created = cognito.create_user(email=migrated["userAttributes"]["email"])
    client = _client(created.access_token)
    me = client.get("/v1/users/me")
    assert me.status_code == 200, me.content
    assert me.json()["id"] == str(ada)
    assert [t["id"] for t in client.get("/v1/trips").json()] == [str(trip)]
    assert User.objects.get(pk=ada).cognito_sub == created.sub


def test_old_supabase_token_reads_the_imported_profile(imported, settings):
    ada, trip = imported
    settings.LEGACY_SUPABASE_ISSUER = SUPABASE_ISSUER
    settings.LEGACY_SUPABASE_JWT_SECRET = SECRET
    client = _client(supabase_token(ada, SECRET))

    assert client.get("/v1/users/me").json()["id"] == str(ada)
    assert [t["id"] for t in client.get("/v1/trips").json()] == [str(trip)]
