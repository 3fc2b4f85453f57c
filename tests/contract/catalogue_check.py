"""Full JSON Schema check of an event against its catalogue declaration (the suite-wide
fixture in ``tests/conftest.py`` runs it on every event built; the contract tests call it)."""

import re

from jsonschema import Draft202012Validator

from apps.core import event_catalogue as catalogue

_CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
_validators: dict[str, Draft202012Validator] = {}


def _validator(event_type: catalogue.EventType) -> Draft202012Validator:
    if event_type.name not in _validators:
        _validators[event_type.name] = Draft202012Validator(
            event_type.payload, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    return _validators[event_type.name]


def _snake_keys(value, path="payload") -> list[str]:
    """Keys that are not camelCase, at any depth (free-form notification metadata aside)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if path.endswith(".metadata"):
                continue
            if not _CAMEL.match(key):
                found.append(f"{path}.{key}")
            found.extend(_snake_keys(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for item in value:
            found.extend(_snake_keys(item, path))
    return found


def problems(event_type_name: str, payload) -> list[str]:
    """Why this payload does not match its declaration ([] when it does)."""
    declaration = catalogue.BY_NAME.get(event_type_name)
    if declaration is None:
        return [f"undeclared event type {event_type_name!r}"]
    found = [
        f"{event_type_name}: {'/'.join(map(str, error.absolute_path)) or '(payload)'}: "
        f"{error.message}"
        for error in _validator(declaration).iter_errors(payload)
    ]
    found.extend(f"{event_type_name}: snake_case key {key}" for key in _snake_keys(payload))
    return found
