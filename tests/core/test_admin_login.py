"""Staff password sign-in is guarded by django-axes: after AXES_FAILURE_LIMIT bad passwords for
a username from one address, that pair is refused even with the right password."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a-long-and-correct-staff-password"


@pytest.fixture
def staff():
    user = UserFactory(username="support", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, password, *, source_ip="203.0.113.7", forwarded_for="10.0.0.1"):
    return client.post(
        LOGIN,
        {"username": "support", "password": password, "next": "/admin/"},
        secure=True,
        HTTP_X_FORWARDED_FOR=f"{forwarded_for}, {source_ip}",
        REMOTE_ADDR=forwarded_for,
        **{"lambda.event": {"requestContext": {"identity": {"sourceIp": source_ip}}}},
    )


def test_the_right_password_signs_in(staff):
    response = sign_in(Client(), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_after_the_failure_limit_even_the_right_password_is_refused(staff, settings):
    client = Client()
    failures = [
        sign_in(client, f"wrong-{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    locked = sign_in(client, PASSWORD)

    assert failures[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form, with an error
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert Client().get("/admin/", secure=True).status_code == 302  # still signed out
    # Counted in the database (shared by every Lambda), against API Gateway's address.
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == ("support", "203.0.113.7")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_a_fresh_forwarded_for_does_not_reset_the_count(staff, settings):
    """The address is API Gateway's source address: rotating X-Forwarded-For changes nothing."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "wrong", forwarded_for=f"10.9.9.{n}")

    assert sign_in(Client(), PASSWORD, forwarded_for="10.9.9.200").status_code == 429


def test_a_stranger_elsewhere_cannot_lock_staff_out(staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "wrong", source_ip="198.51.100.66")

    response = sign_in(Client(), PASSWORD, source_ip="203.0.113.7")

    assert response.status_code == 302
