"""The email task (sends once, however often it runs) and the hourly expiry sweep."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.invitations.models import Invitation
from apps.invitations.tasks import expire_pending_invitations, send_invitation_email
from apps.invitations.tokens import invitation_claims
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


def test_a_failed_send_releases_the_invitation_for_a_retry(invitation, settings):
    settings.EMAIL_BACKEND = "tests.invitations.failing_email.FailingBackend"

    assert send_invitation_email(str(invitation.pk)) is False  # logged, not raised
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_invitation_email(str(invitation.pk)) is True
    assert len(mail.outbox) == 1


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
