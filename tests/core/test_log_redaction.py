"""Token values are redacted from every log record, whoever writes it, and the test capture
(tests/logcapture.py) sees every record, not only those caplog's root handler gets."""

import logging
import logging.config

import pytest
from django.conf import settings
from uvicorn.logging import AccessFormatter

from apps.core.logging import JsonFormatter, TextFormatter, redact
from tests.logcapture import assert_no_secrets_logged


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"WebSocket /v1/ws?token=eyJabc.def-g_h" [accepted]',
            '"WebSocket /v1/ws?token=[redacted]" [accepted]',
        ),
        (
            "GET /v1/invitations/details?token=Zx9-_&x=1 HTTP/1.1",
            "GET /v1/invitations/details?token=[redacted]&x=1 HTTP/1.1",
        ),
        (
            "a?access_token=A1&id_token=B2&refresh_token=C3",
            "a?access_token=[redacted]&id_token=[redacted]&refresh_token=[redacted]",
        ),
        (
            "{'token': 'abc', 'Authorization': 'Bearer x.y.z'}",
            "{'token': '[redacted]', 'Authorization': '[redacted]'}",
        ),
        ('{"idToken": "abc"}', '{"idToken": "[redacted]"}'),
        ("header Bearer eyJ.a.b sent", "header Bearer [redacted] sent"),
        ("GET /v1/trips?page=2 200", "GET /v1/trips?page=2 200"),
        ("tokens refreshed: 3", "tokens refreshed: 3"),
    ],
)
def test_redact_replaces_token_values_only(line, expected):
    assert redact(line) == expected


def test_a_servers_own_access_line_is_redacted_and_still_formats():
    """uvicorn's access formatter unpacks the path from the record's arguments."""
    logger = logging.getLogger("uvicorn.access.redaction-test")
    record = logger.makeRecord(
        logger.name,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v1/ws?token=SECRET123", "1.1", 101),
        None,
    )

    line = AccessFormatter(fmt="%(client_addr)s %(request_line)s", use_colors=False).format(record)

    assert line == "127.0.0.1:5000 GET /v1/ws?token=[redacted] HTTP/1.1"


def test_extras_and_tracebacks_are_redacted_by_both_formatters():
    logger = logging.getLogger("apps.redaction-test")
    try:
        raise ValueError("bad link /v1/invitations/details?token=SECRET456")
    except ValueError as error:
        record = logger.makeRecord(
            logger.name,
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            (type(error), error, None),
            extra={"request": "<WSGIRequest: GET '/x?token=SECRET789'>", "request_id": "r"},
        )

    for formatter in (JsonFormatter(), TextFormatter("%(message)s %(request)s")):
        text = formatter.format(record)
        assert "SECRET" not in text
        assert "token=[redacted]" in text


def test_the_capture_sees_records_caplog_misses(all_logs, caplog):
    caplog.set_level(logging.WARNING)
    quiet = logging.getLogger("uvicorn.error")  # configured not to propagate to the root
    quiet.info("127.0.0.1 - WebSocket /v1/ws?token=SECRETA [accepted]")
    logging.getLogger("apps.core.redaction-test").debug("debug with Bearer eyJSECRETB")
    logging.config.dictConfig(settings.LOGGING)  # Django set up again (Zappa's handler does)
    logging.getLogger("zappa.wsgi").info("GET /v1/invitations/details?token=SECRETC 200")

    messages = [r.getMessage() for r in all_logs.records]

    assert "127.0.0.1 - WebSocket /v1/ws?token=[redacted] [accepted]" in messages
    assert "debug with Bearer [redacted]" in messages
    assert "GET /v1/invitations/details?token=[redacted] 200" in messages
    assert not any("SECRET" in r.getMessage() for r in caplog.records)
    assert_no_secrets_logged(all_logs, "SECRETA", "SECRETB", "SECRETC")
