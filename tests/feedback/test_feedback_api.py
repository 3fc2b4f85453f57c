"""Public feedback: anyone may send it, the contract's limits hold, and it lands in the admin."""

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, transaction

from apps.feedback.models import Feedback
from tests.factories import FeedbackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/v1/feedback"
BODY = {
    "name": "Ana Lima",
    "email": "ana@example.com",
    "message": "The shared map saved our day in Porto.",
    "source": "app_feedback",
}
SUBMITTED = {"status": "Feedback submitted successfully"}


def test_anonymous_feedback_is_stored(api_client):
    response = api_client.post(URL, BODY, format="json")

    assert response.status_code == 201, response.content
    assert response.json() == SUBMITTED
    stored = Feedback.objects.get()
    assert (stored.name, stored.email, stored.message, stored.source, stored.user) == (
        "Ana Lima",
        "ana@example.com",
        "The shared map saved our day in Porto.",
        "app_feedback",
        None,
    )
    assert stored.created_at is not None


def test_signed_in_sender_is_linked(user, user_client):
    response = user_client.post(URL, BODY, format="json")

    assert response.status_code == 201
    assert Feedback.objects.get().user == user


def test_signed_in_user_who_has_not_onboarded_may_still_send(api_client, cognito):
    identity = cognito.create_user()  # a Cognito account with no user row yet
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {identity.access_token}")

    response = api_client.post(URL, BODY, format="json")

    assert response.status_code == 201
    assert Feedback.objects.get().user is None


def test_a_bad_token_is_still_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    response = api_client.post(URL, BODY, format="json")

    assert response.status_code == 401
    assert response.json()["type"] == "AUTHENTICATION"
    assert not Feedback.objects.exists()


def test_source_defaults_to_landing_and_text_is_trimmed(api_client):
    body = {"name": "  Ana  ", "email": "ana@example.com", "message": "  Lovely little app!  "}

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 201
    stored = Feedback.objects.get()
    assert (stored.name, stored.message, stored.source) == ("Ana", "Lovely little app!", "landing")


@pytest.mark.parametrize("source", ["landing", "app_bug", "app_feedback"])
def test_every_contract_source_is_accepted(api_client, source):
    assert api_client.post(URL, {**BODY, "source": source}, format="json").status_code == 201
    assert Feedback.objects.get().source == source


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": None}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": f"{'a' * 250}@example.com"}, "email"),
        ({"message": "too short"}, "message"),
        ({"message": "   short    "}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"source": "twitter"}, "source"),
    ],
    ids=[
        "empty name",
        "blank name",
        "long name",
        "null name",
        "bad email",
        "long email",
        "short message",
        "short after trimming",
        "long message",
        "unknown source",
    ],
)
def test_invalid_feedback_is_a_400_and_stores_nothing(api_client, change, field):
    response = api_client.post(URL, {**BODY, **change}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["type"], body["code"]) == ("VALIDATION", "validation_error")
    assert list(body["details"]) == [field]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("missing", ["name", "email", "message"])
def test_required_fields(api_client, missing):
    body = {key: value for key, value in BODY.items() if key != missing}

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["details"]) == [missing]


def test_limits_are_inclusive(api_client):
    body = {**BODY, "name": "x" * 100, "message": "m" * 10}

    assert api_client.post(URL, body, format="json").status_code == 201
    assert api_client.post(URL, {**BODY, "message": "m" * 5000}, format="json").status_code == 201


def test_malformed_json_is_a_400(api_client):
    response = api_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_feedback_is_rate_limited_per_caller(api_client, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "feedback": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    statuses = [api_client.post(URL, BODY, format="json").status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert Feedback.objects.count() == 2


def test_only_post_is_routed(api_client):
    assert api_client.get(URL).status_code == 405


@pytest.mark.parametrize(
    "fields",
    [{"name": "   "}, {"message": "  short  "}, {"source": "twitter"}],
    ids=["blank name", "short message", "bad source"],
)
def test_database_refuses_what_validation_refuses(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackFactory(**fields)


def test_admin_lists_feedback_with_source_filter_and_search(admin_client_django):
    FeedbackFactory(name="Bea", source="app_bug", message="The poll screen crashes on open.")
    FeedbackFactory(name="Caio", source="landing")

    model_admin = site._registry[Feedback]
    assert "source" in model_admin.list_filter
    assert {"name", "email", "message"} <= set(model_admin.search_fields)
    filtered = admin_client_django.get("/admin/feedback/feedback/?source__exact=app_bug")
    searched = admin_client_django.get("/admin/feedback/feedback/?q=crashes")

    assert filtered.status_code == searched.status_code == 200
    for page in (filtered, searched):
        assert b"Bea" in page.content
        assert b"Caio" not in page.content


@pytest.fixture
def admin_client_django(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client
