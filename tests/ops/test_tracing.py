"""X-Ray (apps/core/tracing.py): with XRAY_TRACING on, a traced request records a subsegment per
SQL statement, AWS call (S3, Cognito) and outbound HTTP call, and an async task's Lambda
invocation carries the request's trace header, so Lambda continues that trace in the task.
The SDK runs with its real recorder and context; only the emitter is an in-memory one (instead
of UDP to the daemon Lambda runs). The patches stay for the rest of this process: outside a
segment they record nothing (context_missing IGNORE_ERROR)."""

import json
import uuid

import boto3
import pytest
import requests

from apps.core import tracing
from apps.users.models import User
from tests.conftest import REGION, LocalHTTPServer, QuietHandler

pytestmark = pytest.mark.django_db


class MemoryEmitter:
    def __init__(self):
        self.entities = []

    def send_entity(self, entity):
        self.entities.append(entity)

    def set_daemon_address(self, address):
        pass


class RecordingServer(LocalHTTPServer):
    """Answers anything 202 with ``{}`` (Lambda's answer to an async Invoke, or any API's) and
    keeps each request's path and headers."""

    def __init__(self):
        outer = self
        self.requests: list[tuple[str, dict]] = []

        class Handler(QuietHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.requests.append((self.path, dict(self.headers)))
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = _answer

        super().__init__(Handler)


@pytest.fixture
def recorder(settings):
    settings.XRAY_TRACING = True
    assert tracing.configure()
    from aws_xray_sdk.core import xray_recorder

    emitter = MemoryEmitter()
    xray_recorder.configure(emitter=emitter)
    xray_recorder.begin_segment(f"test-{uuid.uuid4().hex[:6]}", sampling=1)
    yield xray_recorder, emitter
    if xray_recorder.current_segment() is not None:
        xray_recorder.end_segment()


@pytest.fixture
def stub():
    server = RecordingServer()
    yield server
    server.stop()


def _subsegments(entity) -> list:
    found = []
    for sub in entity.subsegments:
        found.append(sub)
        found.extend(_subsegments(sub))
    return found


def test_tracing_is_off_unless_the_stage_turns_it_on(settings):
    assert settings.XRAY_TRACING is False  # tests and local runs


def test_sql_s3_cognito_and_http_calls_become_subsegments(
    recorder, s3_bucket, cognito, stub, moto_endpoint
):
    xray_recorder, emitter = recorder

    User.objects.filter(email="nobody@example.com").exists()
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint)
    s3.list_objects_v2(Bucket=s3_bucket)
    cognito.client.describe_user_pool(UserPoolId=cognito.pool_id)
    assert requests.get(f"{stub.base_url}/v1/forecast", timeout=5).status_code == 202
    xray_recorder.end_segment()

    (segment,) = emitter.entities
    subs = _subsegments(segment)
    sql = [s for s in subs if getattr(s, "sql", None)]
    assert any("users_user" in s.sql.get("sanitized_query", "") for s in sql), [s.sql for s in sql]
    aws = {s.name: s for s in subs if s.namespace == "aws"}
    assert {"s3", "cognito-idp"} <= set(aws), set(aws)
    assert aws["s3"].aws["operation"] == "ListObjectsV2"
    assert aws["cognito-idp"].aws["operation"] == "DescribeUserPool"
    remote = [s for s in subs if s.namespace == "remote"]
    urls = [s.http.get("request", {}).get("url", "") for s in remote]
    assert any(url.endswith("/v1/forecast") for url in urls), [(s.name, s.http) for s in remote]


def test_an_async_task_invocation_carries_the_requests_trace(recorder, stub, monkeypatch):
    import zappa.asynchronous

    from apps.notifications.tasks import send_push_notifications

    xray_recorder, _ = recorder
    trace_id = xray_recorder.current_segment().trace_id
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "nomadcrew-test")
    lambda_client = boto3.client("lambda", region_name=REGION, endpoint_url=stub.base_url)
    monkeypatch.setattr(zappa.asynchronous, "LAMBDA_CLIENT", lambda_client)

    send_push_notifications([str(uuid.uuid4())])  # queued, as on Lambda: an async Invoke

    ((path, headers),) = stub.requests
    assert path == "/2015-03-31/functions/nomadcrew-test/invocations"
    header = {k.lower(): v for k, v in headers.items()}["x-amzn-trace-id"]
    assert f"Root={trace_id}" in header
    assert "Sampled=1" in header
    (invoke,) = [s for s in xray_recorder.current_segment().subsegments if s.name == "lambda"]
    assert f"Parent={invoke.id}" in header  # the task's trace hangs under this call
    assert json.loads(json.dumps(invoke.aws))["operation"] == "Invoke"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_stage_traces_exactly_when_zappa_turns_xray_on(stage):
    from tests.package.conftest import stage_settings

    config = stage_settings(stage)
    environment = config["environment_variables"]
    assert (environment.get("XRAY_TRACING") == "true") is config["xray_tracing"]
    assert environment["METRICS_ENABLED"] == "true"
