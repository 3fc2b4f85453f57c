"""``/v1/asyncapi.json``: served, valid AsyncAPI 3.0, and generated from the catalogue.

The AsyncAPI 3.0.0 JSON Schema is vendored beside this file
(``asyncapi-3.0.0.schema.json``: ``schemas/3.0.0-without-$id.json`` of the npm package
``@asyncapi/specs`` 6.11.1, https://github.com/asyncapi/spec-json-schemas, Apache-2.0,
copyright 2016-2025 AsyncAPI Initiative; licence in ``asyncapi-3.0.0.schema.LICENSE``).
"""

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from apps.core import event_catalogue as catalogue
from apps.realtime import protocol
from tests.contract.catalogue_check import problems

SCHEMA = json.loads((Path(__file__).parent / "asyncapi-3.0.0.schema.json").read_text())
VALIDATOR = Draft7Validator(SCHEMA)


@pytest.fixture
def document(api_client, db):
    response = api_client.get("/v1/asyncapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_document_is_valid_asyncapi_3(document):
    errors = [f"{e.json_path}: {e.message[:200]}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []
    assert document["asyncapi"] == "3.0.0"
    assert document["channels"]["socket"]["address"] == "/v1/ws"


def test_the_validator_does_catch_a_broken_document(document):
    """The vendored schema is not a rubber stamp: a wrong operation action is refused."""
    broken = copy.deepcopy(document)
    broken["operations"]["sendServerMessages"]["action"] = "publish"
    assert list(VALIDATOR.iter_errors(broken))


def test_every_event_and_client_message_is_in_the_document(document):
    messages = document["components"]["messages"]
    for event_type in catalogue.ALL:
        frame = messages[event_type.name]["payload"]
        assert frame["properties"]["payload"]["properties"]["payload"] == json.loads(
            json.dumps(event_type.payload)
        )
        example = messages[event_type.name]["examples"][0]["payload"]
        assert problems(event_type.name, example["payload"]["payload"]) == []
    for kind in protocol.CLIENT_MESSAGES:
        assert messages[f"client_{kind}"]["name"] == kind
    sent = document["operations"]["receiveClientMessages"]["messages"]
    assert len(sent) == len(protocol.CLIENT_MESSAGES)


def test_the_protocol_answers_exactly_the_declared_client_messages():
    assert set(protocol.HANDLERS) == set(protocol.CLIENT_MESSAGES)


def test_the_docs_page_links_the_asyncapi_document(api_client, db):
    schema = api_client.get("/v1/openapi.json").json()
    assert "/v1/asyncapi.json" in schema["info"]["description"]
