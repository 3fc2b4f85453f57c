"""Regenerate the examples of ``docs/mobile-app.md`` from the code: event frames and client
messages from the event catalogue and the protocol, REST bodies from the OpenAPI schema.

The guide's prose is written by hand; each block between ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->`` is replaced. ``--check`` exits non-zero when the committed guide
differs from what would be generated (``tests/contract/test_mobile_app_doc.py`` runs it too).
"""

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core import event_catalogue as catalogue
from apps.realtime import asyncapi, protocol

GUIDE = Path(settings.BASE_DIR) / "docs" / "mobile-app.md"
_BLOCK = re.compile(
    r"(<!-- generated:(?P<name>[a-z-]+) -->\n).*?(<!-- /generated:(?P=name) -->)", re.S
)

# REST bodies the app must read differently: (title, component, overrides of the example)
REST_EXAMPLES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "GET /v1/users/me before POST /v1/users/onboard: 404 (start onboarding)",
        "Error",
        {
            "type": "NOT_FOUND",
            "code": "user_not_onboarded",
            "message": "No profile yet: onboard first.",
        },
    ),
    (
        "Any route with an expired token: 401 (refresh the Cognito session, retry once)",
        "Error",
        {"type": "AUTHENTICATION", "code": "token_expired", "message": "The token has expired."},
    ),
    ("GET /v1/trips/{tripId}/chat/messages: one page, camelCase", "MessagePage", {}),
    ("GET /v1/trips/{tripId}/locations: paged, not a bare array", "LocationList", {}),
    ("GET /v1/users/search?q=sa&tripId={tripId}: isMember per result", "UserSearchResults", {}),
    ("GET /v1/trips/{tripId}/invitations: one invitation", "TripInvitation", {}),
]


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI schema with ``$ref``/``allOf`` inlined, for ``catalogue.example``."""
    if "$ref" in schema:
        return _resolve(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, components))
        return merged
    if "oneOf" in schema:
        return _resolve(schema["oneOf"][0], components)
    resolved = dict(schema)
    if "properties" in schema:
        resolved["properties"] = {
            name: _resolve(sub, components) for name, sub in schema["properties"].items()
        }
    if "items" in schema:
        resolved["items"] = _resolve(schema["items"], components)
    return resolved


def _json(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```"


def _events() -> str:
    parts = []
    for event_type in catalogue.ALL:
        frame = asyncapi.event_frame_example(event_type)
        parts.append(
            f"#### `{event_type.name}`\n\n{event_type.summary} "
            f"{asyncapi._audience(event_type)}\n\n{_json(frame)}"
        )
    return "\n\n".join(parts)


def _client_messages() -> str:
    parts = []
    for kind, (summary, payload) in protocol.CLIENT_MESSAGES.items():
        example = {"type": kind, "payload": catalogue.example(payload)}
        parts.append(f"#### `{kind}`\n\n{summary}\n\n{_json(example)}")
    return "\n\n".join(parts)


def _rest() -> str:
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    parts = []
    for title, component, overrides in REST_EXAMPLES:
        body = catalogue.example(_resolve(components[component], components))
        body.update(overrides)
        parts.append(f"#### {title}\n\n{_json(body)}")
    statuses = components["InvitationStatusEnum"]["enum"]
    parts.append("Invitation `status` is one of " + ", ".join(f"`{s}`" for s in statuses) + ".")
    return "\n\n".join(parts)


GENERATORS = {"events": _events, "client-messages": _client_messages, "rest": _rest}


def render(text: str) -> str:
    """``text`` with every generated block replaced by what the code says now."""

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in GENERATORS:
            raise CommandError(f"unknown generated block {name!r}")
        return f"{match.group(1)}{GENERATORS[name]()}\n{match.group(3)}"

    return _BLOCK.sub(replace, text)


class Command(BaseCommand):
    help = "Regenerate the examples of docs/mobile-app.md (--check: fail if out of date)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, check: bool = False, **options):
        current = GUIDE.read_text()
        generated = render(current)
        if check:
            if generated != current:
                raise CommandError(
                    "docs/mobile-app.md is out of date: run manage.py mobile_app_doc"
                )
            self.stdout.write("docs/mobile-app.md is up to date")
            return
        GUIDE.write_text(generated)
        self.stdout.write("docs/mobile-app.md regenerated")
