"""Email plumbing: the settings pick SES when a region is configured, and a message sent through
django-ses reaches (moto's) SES."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMessage, send_mail

from tests.conftest import moto_sent_messages

BASE_DIR = Path(__file__).resolve().parents[2]
SENDER = "NomadCrew <no-reply@nomadcrew.uk>"  # the ses fixture's verified sender


def test_email_goes_out_through_ses(ses):
    message = EmailMessage(
        subject="You're invited to Lisbon",
        body="Ana invited you to Lisbon.",
        to=["traveller@example.com"],
    )

    assert message.send() == 1

    message_id = message.extra_headers["message_id"]
    [sent] = [m for m in moto_sent_messages(ses) if m["id"] == message_id]
    assert sent["source"] == SENDER
    assert "traveller@example.com" in sent["destinations"]
    assert "Subject: You're invited to Lisbon" in sent["raw_data"]
    assert "Ana invited you to Lisbon." in sent["raw_data"]


def test_unverified_sender_is_refused_by_ses(ses):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="MessageRejected"):
        send_mail("Hi", "Body", "stranger@unverified.example", ["traveller@example.com"])


def settings_under(env: dict[str, str]) -> dict:
    """The email settings a fresh process computes from this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_SES", "EMAIL_"))}
    clean.pop("DEFAULT_FROM_EMAIL", None)
    clean.update({"DJANGO_SETTINGS_MODULE": "nomadcrew.settings", **env})
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
        " for k in ['EMAIL_BACKEND', 'DEFAULT_FROM_EMAIL', 'AWS_SES_REGION_NAME',"
        " 'AWS_SES_REGION_ENDPOINT_URL']}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_ses_region_email_prints_to_the_console():
    computed = settings_under({})

    assert computed["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert computed["DEFAULT_FROM_EMAIL"] == SENDER


def test_ses_region_selects_django_ses():
    computed = settings_under(
        {"AWS_SES_REGION_NAME": "eu-west-2", "DEFAULT_FROM_EMAIL": "Crew <crew@example.com>"}
    )

    assert computed == {
        "EMAIL_BACKEND": "django_ses.SESBackend",
        "DEFAULT_FROM_EMAIL": "Crew <crew@example.com>",
        "AWS_SES_REGION_NAME": "eu-west-2",
        "AWS_SES_REGION_ENDPOINT_URL": "https://email.eu-west-2.amazonaws.com",
    }


def test_explicit_email_backend_wins():
    computed = settings_under({"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"})

    assert computed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
