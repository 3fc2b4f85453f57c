"""JSON request bodies, checked once for what no endpoint could store or answer.

PostgreSQL refuses NUL in text and jsonb, and a lone surrogate (``"\\ud800"``) can't be encoded
as UTF-8, so either one anywhere in a body (a key, a free-form preference, a field the view
ignores) is a 400 naming where it was, before a view sees the data. A body nested deeper than
``MAX_DEPTH`` is malformed: a 10,000-deep array would otherwise exhaust the recursion limit in
the decoder and become a 500. ``NaN`` and ``Infinity`` are not JSON and are refused too, as are
numbers too large for a float (``1e400``), which jsonb could not store either.
"""

import math
from collections import deque
from typing import Any

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser as _CamelCaseJSONParser
from djangorestframework_camel_case.util import underscoreize
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json

MAX_DEPTH = 32


def _text_error(text: str) -> str | None:
    # The same messages as DRF's CharField validators, which the form parsers still rely on.
    if "\x00" in text:
        return "Null characters are not allowed."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"Surrogate characters are not allowed: U+{ord(text[error.start]):X}."
    return None


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _text_error(key):
        key = ascii(key)[1:-1]  # the details must be printable and encodable themselves
    return f"{path}.{key}" if path else key


def check_document(data: Any) -> None:
    """Walk the decoded body breadth-first (no recursion, whatever its shape)."""
    errors: dict[str, list[str]] = {}
    queue = deque([(data, "", 0)])
    while queue:
        value, path, depth = queue.popleft()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels")
            for key, item in value.items() if isinstance(value, dict) else enumerate(value):
                child = _child_path(path, key)
                problem = isinstance(key, str) and _text_error(key)
                if problem:
                    errors.setdefault(child, []).append(problem)
                else:
                    queue.append((item, child, depth + 1))
        elif isinstance(value, str):
            problem = _text_error(value)
            if problem:
                errors.setdefault(path or "non_field_errors", []).append(problem)
        elif isinstance(value, float) and not math.isfinite(value):
            errors.setdefault(path or "non_field_errors", []).append("A valid number is required.")
    if errors:
        raise ValidationError(errors)


def load(stream, parser_context: dict | None) -> Any:
    encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
    try:
        data = json.loads(stream.read().decode(encoding))  # NaN, Infinity: ValueError
    except RecursionError:
        raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # UnicodeDecodeError included
        raise ParseError(f"JSON parse error - {error}") from None
    check_document(data)
    return data


class JSONParser(parsers.JSONParser):
    """For bodies whose keys must reach the view exactly as sent (user preferences)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return load(stream, parser_context)


class CamelCaseJSONParser(_CamelCaseJSONParser):
    """The default: camelCase keys become snake_case (free-form objects excepted)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return underscoreize(load(stream, parser_context), **self.json_underscoreize)
