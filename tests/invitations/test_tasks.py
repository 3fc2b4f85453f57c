"""The email task (sends once, however often it runs) and the hourly expiry sweep."""

import uuid
from datetime import timedelta

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core import mail
from django.utils import timezone

from apps.core.tasks import UnsentMessages
from apps.invitations import selectors
from apps.invitations.models import Invitation
from apps.invitations.tasks import (
    expire_pending_invitations,
    resend_unsent_invitation_emails,
    send_invitation_email,
)
from apps.invitations.tokens import invitation_claims
from tests.conftest import free_port, moto_sent_messages
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(db):
    inviter = UserFactory(first_name="Ana", last_name="Silva")
    return InvitationFactory(
        trip__name="Lisbon long weekend",
        trip__created_by=inviter,
        invitee_email="guest@example.com",
        role="ADMIN",
    )


# --- email ----------------------------------------------------------------------------------


def test_the_email_invites_with_a_working_link(invitation):
    assert send_invitation_email(str(invitation.pk)) is True

    [email] = mail.outbox
    assert email.to == ["guest@example.com"]
    assert email.from_email == "NomadCrew <no-reply@nomadcrew.uk>"
    assert email.subject == "Ana Silva invited you to Lisbon long weekend on NomadCrew"
    assert 'Ana Silva invited you to join the trip "Lisbon long weekend"' in email.body
    assert "as an admin." in email.body
    link = next(line for line in email.body.splitlines() if "/invite/accept/" in line)
    assert link.startswith("https://nomadcrew.uk/invite/accept/")
    assert invitation_claims(link.rsplit("/", 1)[1]).invitation_id == invitation.pk
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "<strong>Lisbon long weekend</strong>" in html
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None


def test_running_the_task_twice_sends_once(invitation):
    first = send_invitation_email(str(invitation.pk))
    second = send_invitation_email(str(invitation.pk))

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_names_are_escaped_in_the_html_and_kept_off_the_subject_line(invitation):
    invitation.trip.name = "<b>Party</b>\nBcc: victim@example.com"
    invitation.trip.save()

    send_invitation_email(str(invitation.pk))

    [email] = mail.outbox
    assert "\n" not in email.subject
    html = email.alternatives[0][0]
    assert "<b>Party</b>" not in html
    assert "&lt;b&gt;Party&lt;/b&gt;" in html


@pytest.mark.parametrize("status", ["ACCEPTED", "DECLINED", "EXPIRED"])
def test_no_email_for_an_invitation_no_longer_pending(invitation, status):
    Invitation.objects.filter(pk=invitation.pk).update(
        status=status, responded_at=None if status == "EXPIRED" else timezone.now()
    )

    assert send_invitation_email(str(invitation.pk)) is False
    assert mail.outbox == []


def test_no_email_for_a_lapsed_invitation(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    assert send_invitation_email(str(invitation.pk)) is False
    assert mail.outbox == []


def test_no_email_for_a_deleted_trip_or_an_unknown_invitation(invitation):
    invitation.trip.deleted_at = timezone.now()
    invitation.trip.save()

    assert send_invitation_email(str(invitation.pk)) is False
    assert send_invitation_email(str(uuid.uuid4())) is False
    assert send_invitation_email("not-a-uuid") is False
    assert mail.outbox == []


def _sent_to(endpoint: str, address: str) -> list[dict]:
    return [m for m in moto_sent_messages(endpoint) if address in m["destinations"]]


def test_ses_down_fails_the_task_and_after_recovery_exactly_one_email_leaves(
    invitation, ses, settings
):
    """The task raises (so Lambda retries it and then dead-letters it), nothing is marked
    sent, and the retry plus the resend schedule together send the email once."""
    invitation.invitee_email = f"{uuid.uuid4().hex}@example.com"
    invitation.save()
    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"  # SES down

    with pytest.raises(EndpointConnectionError):
        send_invitation_email(str(invitation.pk))

    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    assert _sent_to(ses, invitation.invitee_email) == []

    settings.AWS_SES_REGION_ENDPOINT_URL = ses  # SES back
    assert send_invitation_email(str(invitation.pk)) is True  # Lambda's retry
    Invitation.objects.filter(pk=invitation.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    assert resend_unsent_invitation_emails() == 0
    assert send_invitation_email(str(invitation.pk)) is False

    assert len(_sent_to(ses, invitation.invitee_email)) == 1
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None


def test_the_schedule_resends_what_every_retry_failed_to_send(invitation, ses, settings):
    invitation.invitee_email = f"{uuid.uuid4().hex}@example.com"
    invitation.save()
    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    for _ in range(3):  # the invocation and Lambda's two retries
        with pytest.raises(EndpointConnectionError):
            send_invitation_email(str(invitation.pk))
    settings.AWS_SES_REGION_ENDPOINT_URL = ses

    assert resend_unsent_invitation_emails() == 0  # not yet past the deadline
    Invitation.objects.filter(pk=invitation.pk).update(
        updated_at=timezone.now() - timedelta(minutes=settings.UNSENT_RESEND_AFTER_MINUTES + 1)
    )
    assert resend_unsent_invitation_emails() == 1
    assert resend_unsent_invitation_emails() == 0

    [sent] = _sent_to(ses, invitation.invitee_email)
    assert "invited you to Lisbon long weekend" in sent["raw_data"]


def test_the_schedule_raises_while_ses_stays_down_and_skips_what_it_must_not_send(
    invitation, ses, settings
):
    overdue = timezone.now() - timedelta(hours=1)
    answered = InvitationFactory(status="DECLINED", responded_at=timezone.now())
    lapsed = InvitationFactory(expires_at=timezone.now() - timedelta(minutes=1))
    Invitation.objects.update(updated_at=overdue)
    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(UnsentMessages, match="1 invitation emails still unsent"):
        resend_unsent_invitation_emails()

    assert set(Invitation.objects.filter(email_sent_at__isnull=False)) == set()
    assert {answered.pk, lapsed.pk}.isdisjoint(
        selectors.invitation_ids_awaiting_email(due_before=timezone.now())
    )


def test_the_task_takes_json_arguments_only():
    """Zappa ships the arguments to Lambda as JSON; a UUID object must not slip through."""
    with pytest.raises(TypeError):
        send_invitation_email(uuid.uuid4())


# --- expiry sweep ---------------------------------------------------------------------------


def test_the_sweep_expires_overdue_pending_invitations_only():
    now = timezone.now()
    overdue = InvitationFactory(expires_at=now - timedelta(minutes=1))
    current = InvitationFactory(expires_at=now + timedelta(minutes=5))
    answered = InvitationFactory(
        expires_at=now - timedelta(days=1), status="ACCEPTED", responded_at=now
    )

    assert expire_pending_invitations({"source": "aws.events"}, None) == 1

    statuses = dict(Invitation.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: "EXPIRED", current.pk: "PENDING", answered.pk: "ACCEPTED"}


def test_the_sweep_is_idempotent():
    InvitationFactory.create_batch(3, expires_at=timezone.now() - timedelta(hours=2))

    assert expire_pending_invitations() == 3
    assert expire_pending_invitations() == 0
    assert Invitation.objects.filter(status="EXPIRED").count() == 3


def test_an_expired_invitation_frees_the_address_for_a_new_one():
    old = InvitationFactory(expires_at=timezone.now() - timedelta(hours=2))
    expire_pending_invitations()

    fresh = InvitationFactory(trip=old.trip, invitee_email=old.invitee_email)

    assert fresh.status == "PENDING"
