"""JSON log lines for CloudWatch, each carrying the request id of the request that wrote it,
and the redaction of tokens from every log record the process writes.

Tokens travel in query strings (a socket's ``?token=``, an invitation link's ``?token=``) that
servers log as they are: uvicorn's access and WebSocket lines, Zappa's request log. Redaction
happens where records are made (a log record factory), so it holds whatever logger or handler
writes them, including the servers' own.
"""

import json
import logging
import re
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")

_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

REDACTED = "[redacted]"
_SECRETS = re.compile(
    # token=..., access_token=..., id_token=..., refresh_token=... in a query string or form,
    r"(?P<query>(?:\b|_)token=)[^&\s\"'#]+"
    # 'token': '...' / "token": "..." in a printed dict or JSON (Zappa's debug event dump),
    r"|(?P<key>[\"'](?:[a-z_]*token|authorization)[\"']\s*:\s*[\"'])[^\"']+"
    # and bearer credentials wherever a header is printed.
    r"|(?P<bearer>\bBearer\s+)[A-Za-z0-9._~+/=-]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with every token value replaced by ``[redacted]``."""
    if "oken" not in text and "earer" not in text and "uthorization" not in text:
        return text  # the common case, without running the expression
    return _SECRETS.sub(lambda m: (m["query"] or m["key"] or m["bearer"]) + REDACTED, text)


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


def redacting_record_factory(base_factory):
    """A log record factory that redacts tokens from the message, its arguments and extras.

    Arguments are redacted one by one rather than formatted into the message, because some
    formatters read them (uvicorn's access formatter unpacks the path from ``record.args``).
    """

    def factory(*args, **kwargs):
        record = base_factory(*args, **kwargs)
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return record

    factory.redacts_tokens = True
    return factory


def install_redaction() -> None:
    """Make every record from now on redacted (idempotent; called when Django starts)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacts_tokens", False):
        logging.setLogRecordFactory(redacting_record_factory(current))


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any ``extra``."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        # Extras and tracebacks may hold objects whose text has a token (a request's repr).
        return redact(json.dumps(entry, default=str))


class TextFormatter(logging.Formatter):
    """The local, human-readable line (debug mode), redacted like the JSON one."""

    def format(self, record):
        return redact(super().format(record))
