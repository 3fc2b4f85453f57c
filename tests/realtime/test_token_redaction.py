"""No token in any log on the API Gateway path: Zappa's request log of an invitation link
(``?token=``) and the socket handshake (``$connect?token=``) run through Zappa's real handler
(issue 12 item 6; the Channels/uvicorn path is tests/core/test_server_logs.py)."""

import secrets

import pytest
from django.urls import set_script_prefix

from apps.realtime.models import WebSocketConnection
from tests.logcapture import assert_no_secrets_logged
from tests.package.events import rest_event
from tests.realtime.conftest import ws_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def script_prefix_restored():
    """Django's WSGI handler leaves the stage path (/dev) as this thread's script prefix, and
    the test client never resets it: later tests would reverse() every URL under /dev."""
    yield
    set_script_prefix("/")


def test_zappa_request_log_of_an_invitation_link_has_no_token(zappa_lambda, all_logs):
    token = secrets.token_urlsafe(32)

    response = zappa_lambda(
        rest_event("GET", "/v1/invitations/details", query={"token": token}), None
    )

    assert 400 <= response["statusCode"] < 500
    zappa_lines = [r.getMessage() for r in all_logs.records if r.name.startswith("zappa")]
    assert any("/v1/invitations/details?token=[redacted]" in line for line in zappa_lines)
    assert_no_secrets_logged(all_logs, token)


def test_socket_handshake_with_a_query_token_logs_no_token(
    user, client_for, zappa_lambda, management_api, all_logs
):
    token = client_for(user).cognito_user.access_token
    refused = "eyJ" + secrets.token_urlsafe(40)

    accepted = zappa_lambda(ws_event("$connect", "log-CONN=", query={"token": token}), None)
    denied = zappa_lambda(ws_event("$connect", "nolog-CONN=", query={"token": refused}), None)

    assert accepted == {"statusCode": 200}
    assert denied == {"statusCode": 401}
    assert WebSocketConnection.objects.filter(connection_id="log-CONN=", user=user).exists()
    assert all_logs.records  # the handshakes were logged (the refusal at least)
    assert_no_secrets_logged(all_logs, token, refused)
