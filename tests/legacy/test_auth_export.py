"""``manage.py export_cognito_users``: Cognito's user-import CSV for the imported people."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.legacy.management.commands.export_cognito_users import STANDARD_HEADER
from tests.conftest import LocalHTTPServer, QuietHandler
from tests.factories import UserFactory
from tests.legacy.auth_fixtures import imported_person

pytestmark = pytest.mark.django_db


def _export(*args) -> tuple[list[str], list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_cognito_users", *args, stdout=out, stderr=err)
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    return reader.fieldnames, list(reader), err.getvalue()


def test_writes_the_documented_header_and_one_row_per_person_who_may_sign_in():
    person = imported_person(email="ana@example.com")
    person.user.first_name, person.user.last_name = "Ana", "Lima"
    person.user.save(update_fields=["first_name", "last_name"])
    imported_person(email="gone@example.com", deleted_at=timezone.now())
    imported_person(email="banned@example.com", banned_until=timezone.now() + timedelta(days=9))
    imported_person(email="never@example.com", confirmed=False)
    UserFactory(email="new@example.com")  # not imported

    header, rows, report = _export()

    assert header == STANDARD_HEADER
    assert len(STANDARD_HEADER) == 21
    assert rows == [
        {
            **dict.fromkeys(STANDARD_HEADER, ""),
            "cognito:username": "ana@example.com",
            "email": "ana@example.com",
            "email_verified": "TRUE",
            "cognito:mfa_enabled": "FALSE",
            "phone_number_verified": "FALSE",
            "name": "Ana Lima",
            "given_name": "Ana",
            "family_name": "Lima",
            "preferred_username": person.user.username,
        }
    ]
    assert "1 users written" in report


def test_an_email_shared_by_two_people_is_left_out_and_reported(tmp_path):
    imported_person(email="twin@example.com")
    imported_person(email="Twin@Example.com")
    imported_person(email="solo@example.com")
    target = tmp_path / "users.csv"

    call_command("export_cognito_users", "--output", str(target), stderr=io.StringIO())

    rows = list(csv.DictReader(target.open(newline="")))
    assert [row["email"] for row in rows] == ["solo@example.com"]


class CognitoCsvHeaderStub(LocalHTTPServer):
    """Cognito's JSON API answering GetCSVHeader with a pool that has a custom attribute (moto
    doesn't implement GetCSVHeader)."""

    def __init__(self, header: list[str]):
        outer = self
        self.targets: list[str] = []

        class Handler(QuietHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.targets.append(self.headers["X-Amz-Target"])
                reply = json.dumps({"UserPoolId": body["UserPoolId"], "CSVHeader": header})
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.end_headers()
                self.wfile.write(reply.encode())

        super().__init__(Handler)


@pytest.fixture
def pool_header(monkeypatch):
    header = ["custom:plan", *STANDARD_HEADER]
    stub = CognitoCsvHeaderStub(header)
    monkeypatch.setenv("AWS_ENDPOINT_URL", stub.base_url)
    yield stub, header
    stub.stop()


def test_header_comes_from_the_pool_when_named(pool_header):
    stub, pool_columns = pool_header
    imported_person(email="cy@example.com")

    header, rows, _ = _export("--user-pool-id", "us-east-1_Pool")

    assert stub.targets == ["AWSCognitoIdentityProviderService.GetCSVHeader"]
    assert header == pool_columns
    assert rows[0]["custom:plan"] == ""
    assert rows[0]["cognito:username"] == "cy@example.com"


def test_a_pool_header_without_the_required_columns_stops_the_export(monkeypatch):
    stub = CognitoCsvHeaderStub(["name", "phone_number"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", stub.base_url)
    try:
        with pytest.raises(CommandError, match="lacks"):
            _export("--user-pool-id", "us-east-1_Pool")
    finally:
        stub.stop()
