"""EMF metrics (apps/core/metrics.py): with METRICS_ENABLED each request writes one Embedded
Metric Format line to stdout (count, latency, error by route group), a process's first request a
cold start, and business events and task failures their own counts; off, nothing is written."""

import json

import pytest

from apps.core import metrics
from apps.core.tasks import fresh_connections

pytestmark = pytest.mark.django_db


def emf_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def value(line: dict, name: str) -> float:
    """A metric's value; EMF allows a list of values, which Powertools writes."""
    values = line[name] if isinstance(line[name], list) else [line[name]]
    assert len(values) == 1, values
    return values[0]


def metric_names(line: dict) -> set[str]:
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "NomadCrew"
    return {metric["Name"] for metric in directive["Metrics"]}


@pytest.fixture
def metrics_on(settings, monkeypatch):
    settings.METRICS_ENABLED = True
    settings.METRICS_SERVICE = "nomadcrew-test"
    monkeypatch.setattr(metrics, "_cold", True)  # as in a fresh process


def test_a_request_writes_its_count_latency_and_errors_by_route_group(
    metrics_on, owner_client, trip_with_roles, capsys
):
    capsys.readouterr()
    response = owner_client.get(f"/v1/trips/{trip_with_roles.trip.pk}/chat/messages")
    assert response.status_code == 200

    request_line, cold_start = emf_lines(capsys.readouterr().out)
    assert metric_names(request_line) == {"Requests", "RequestLatency", "RequestErrors"}
    (directive,) = request_line["_aws"]["CloudWatchMetrics"]
    assert sorted(directive["Dimensions"][0]) == ["RouteGroup", "service"]
    assert request_line["RouteGroup"] == "chat"
    assert request_line["service"] == "nomadcrew-test"
    assert value(request_line, "Requests") == 1
    assert value(request_line, "RequestErrors") == 0
    assert value(request_line, "RequestLatency") > 0
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units["RequestLatency"] == "Milliseconds"
    assert metric_names(cold_start) == {"ColdStarts"}
    assert value(cold_start, "ColdStarts") == 1

    owner_client.get("/v1/users/me")
    (second,) = emf_lines(capsys.readouterr().out)  # no second cold start
    assert second["RouteGroup"] == "users"


def test_a_route_that_matches_nothing_is_one_group(metrics_on, api_client, capsys):
    capsys.readouterr()
    assert api_client.get("/v1/no-such-thing/123").status_code == 404
    request_line = emf_lines(capsys.readouterr().out)[0]
    assert request_line["RouteGroup"] == "unmatched"  # not one dimension value per bad path


def test_sending_a_chat_message_counts_it(metrics_on, member_client, trip_with_roles, capsys):
    capsys.readouterr()
    response = member_client.post(
        f"/v1/trips/{trip_with_roles.trip.pk}/chat/messages", {"content": "Hi"}, format="json"
    )
    assert response.status_code == 201, response.content

    business = [line for line in emf_lines(capsys.readouterr().out) if "ChatMessagesSent" in line]
    assert len(business) == 1
    assert value(business[0], "ChatMessagesSent") == 1
    assert business[0]["service"] == "nomadcrew-test"


def test_a_failing_task_counts_a_task_failure_and_still_raises(metrics_on, capsys):
    @fresh_connections
    def failing_task():
        raise RuntimeError("boom")

    capsys.readouterr()
    with pytest.raises(RuntimeError):
        failing_task()
    (line,) = emf_lines(capsys.readouterr().out)
    assert value(line, "TaskFailures") == 1


def test_metrics_off_writes_nothing(owner_client, trip_with_roles, capsys, settings):
    assert settings.METRICS_ENABLED is False  # the test and local default
    capsys.readouterr()
    owner_client.post(
        f"/v1/trips/{trip_with_roles.trip.pk}/chat/messages", {"content": "Hi"}, format="json"
    )
    assert emf_lines(capsys.readouterr().out) == []


def test_every_business_metric_is_emitted_somewhere_in_the_app():
    from pathlib import Path

    sources = "\n".join(p.read_text() for p in Path("apps").rglob("*.py"))
    for name in metrics.BUSINESS_METRICS:
        if name != "ColdStarts":
            assert f'metrics.count("{name}"' in sources, name
