"""Every log record the process makes during a test, rendered as the deployed JSON handler
writes it (message, extras, traceback), for asserting that no secret reaches any log.

pytest's caplog sees only records that reach its handler on the root logger at the level it
was set to, and loses it when Django configures logging again (Zappa's handler sets Django up
inside a test). This capture sits where records are made (the log record factory), so it sees
every record of every logger, propagating or not, whatever handlers are configured; the
project's and its servers' loggers are opened to DEBUG, so a secret logged anywhere, at any
level, by the app or a server it runs in, is found."""

import logging

import pytest

from apps.core.logging import JsonFormatter

# Code the project controls or runs in: everything they log is looked at.
OPENED_LOGGERS = ("apps", "nomadcrew", "django", "zappa", "uvicorn", "channels", "daphne")


class AllRecords:
    def __init__(self):
        self.records: list[logging.LogRecord] = []

    @property
    def text(self) -> str:
        formatter = JsonFormatter()
        return "\n".join(formatter.format(record) for record in self.records)


@pytest.fixture
def all_logs():
    capture = AllRecords()
    previous = logging.getLogRecordFactory()

    def capturing_factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        capture.records.append(record)
        return record

    capturing_factory.redacts_tokens = getattr(previous, "redacts_tokens", False)
    loggers = [logging.getLogger(name) for name in OPENED_LOGGERS] + [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.split(".")[0] in OPENED_LOGGERS
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        if logger.level > logging.DEBUG or logger.name in OPENED_LOGGERS:
            logger.setLevel(logging.DEBUG)
    logging.setLogRecordFactory(capturing_factory)
    yield capture
    logging.setLogRecordFactory(previous)
    for logger, level in levels.items():
        logger.setLevel(level)


def assert_no_secrets_logged(logs: AllRecords, *secrets: str, server_output: str = "") -> None:
    """No secret in any record (message, extras, traceback) nor in a server's own output, and
    no bearer credential at all."""
    text = logs.text + "\n" + server_output
    for secret in secrets:
        assert secret not in text, f"a secret was logged: ...{secret[-8:]}"
    assert "Bearer ey" not in text
