"""``docs/mobile-app.md``'s examples are what the code produces: regenerating them from the
catalogue, the protocol and the OpenAPI schema must leave the committed guide unchanged."""

import pytest
from django.core.management import CommandError, call_command

from apps.realtime.management.commands import mobile_app_doc


def test_the_committed_guide_matches_what_the_code_generates():
    committed = mobile_app_doc.GUIDE.read_text()
    assert mobile_app_doc.render(committed) == committed, (
        "docs/mobile-app.md is out of date: run `manage.py mobile_app_doc` and commit it"
    )
    call_command("mobile_app_doc", "--check")


def test_a_drifted_example_is_caught(tmp_path, monkeypatch):
    drifted = mobile_app_doc.GUIDE.read_text().replace('"oldStatus"', '"old_status"', 1)
    guide = tmp_path / "mobile-app.md"
    guide.write_text(drifted)
    monkeypatch.setattr(mobile_app_doc, "GUIDE", guide)
    with pytest.raises(CommandError, match="out of date"):
        call_command("mobile_app_doc", "--check")


def test_the_guide_covers_what_the_app_must_change():
    text = mobile_app_doc.GUIDE.read_text()
    for needle in (
        "Cognito",
        "token_expired",
        "clientMessageId",
        "EXPIRED",
        "4401",
        '"locations": [',
        "isMember",
        "TRIP_STATUS_UPDATED",
    ):
        assert needle in text, needle
