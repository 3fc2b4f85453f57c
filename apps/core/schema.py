"""OpenAPI description of the Cognito bearer scheme and of error responses for drf-spectacular."""

import copy

import drf_spectacular.openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework.permissions import AllowAny

from apps.core.errors import ErrorType


class CognitoBearerScheme(OpenApiAuthenticationExtension):
    target_class = "apps.core.authentication.CognitoJWTAuthentication"
    name = "cognitoBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An AWS Cognito ID or access token of the NomadCrew user pool.",
        }


# The enum is its own component so that drf-spectacular's enum post-processing (which names
# inline enums after their property) leaves it alone: the existing ``TypeEnum`` keeps its name.
ERROR_TYPE_COMPONENT = ResolvedComponent(
    name="ErrorType",
    type=ResolvedComponent.SCHEMA,
    object="ErrorType",
    schema={"type": "string", "enum": [member.value for member in ErrorType]},
)
ERROR_COMPONENT = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "The one error body of the API (contract Part 1 §2).",
        "properties": {
            "type": ERROR_TYPE_COMPONENT.ref,
            "code": {"type": "string", "description": "snake_case machine code"},
            "message": {"type": "string"},
            "details": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Messages per input field, for validation errors.",
            },
            "requestId": {"type": "string"},
        },
        "required": ["type", "code", "message", "requestId"],
    },
)

ERROR_DESCRIPTIONS = {
    "400": "Invalid input or a request the rules refuse (type VALIDATION).",
    "401": "No, an invalid or an expired token, or a user not onboarded (type AUTHENTICATION).",
    "403": "The caller's role does not allow this (type AUTHORIZATION).",
    "404": "No such resource, or a trip the caller is not a member of (type NOT_FOUND).",
    "405": "The path exists but not with this method (type METHOD_NOT_ALLOWED).",
    "409": "Conflicts with the resource's current state (type CONFLICT).",
    "413": "A body over the size limit (type VALIDATION, code request_too_large).",
    "415": "A body in a media type the operation does not read (type VALIDATION).",
    "429": "Too many requests in this route group (type RATE_LIMIT); see Retry-After.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(drf_spectacular.openapi.AutoSchema):
    """Operation ids from the view's name and method (``UserDetailView`` PUT → ``userDetailPut``),
    and the error responses each operation can give, in the contract's error shape.

    The default derives ids from the path, which collides when one APIView serves a list
    and another the item on the same path stem; view names are unique and say what they do.
    """

    def get_operation_id(self):
        name = self.view.__class__.__name__.removesuffix("View")
        return f"{name[:1].lower()}{name[1:]}{self.method.capitalize()}"

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        serializer = self.get_response_serializers()
        if self.method == "DELETE" and serializer is not None and not isinstance(serializer, dict):
            # drf-spectacular assumes a DELETE answers 204; ours that declare a body answer 200.
            responses = {"200": self._get_response_for_code(serializer, "200", direction=direction)}
        return responses

    def _map_basic_serializer(self, serializer, direction):
        """A field declared ``required=False`` is left out when it has no value (``replyToId``,
        ``tripId``, ...), so it is optional in responses too, read-only or not."""
        schema = super()._map_basic_serializer(serializer, direction)
        optional = {
            field.field_name
            for field in force_instance(serializer).fields.values()
            if getattr(field, "_kwargs", {}).get("required") is False
        }
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _add_error_responses(self, operation: dict) -> None:
        for component in (ERROR_TYPE_COMPONENT, ERROR_COMPONENT):
            # A copy: post-processing hooks edit the schema in place, and it is module state.
            self.registry.register_on_missing(copy.deepcopy(component))
        responses = operation["responses"]
        declared = {code for code in responses if code.startswith("4")}
        for code in self._error_status_codes(operation) | declared:
            response = responses.setdefault(code, {"description": ERROR_DESCRIPTIONS.get(code, "")})
            # An error declared with extend_schema (a code and a description) gets the body too.
            response.setdefault("content", {"application/json": {"schema": ERROR_COMPONENT.ref}})
            if code == "429":
                response.setdefault("headers", {})["Retry-After"] = {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before trying again.",
                }
        operation["responses"] = dict(sorted(responses.items()))

    def _error_status_codes(self, operation: dict) -> set[str]:
        """The 4xx statuses an operation can answer, read from its view's configuration."""
        codes = set()
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if self.method in WRITE_METHODS or has_query:
            codes.add("400")
        if "requestBody" in operation:
            codes.update(("413", "415"))
        if self.view.get_authenticators():
            codes.add("401")  # a bad token is refused even where signing in is optional
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes.add("403")
        if "{" in self.path:
            codes.add("404")
        if self.method in WRITE_METHODS:
            codes.add("409")
        scope = getattr(self.view, "throttle_scope", None)
        if isinstance(scope, dict):
            scope = scope.get(self.method)
        if scope:
            codes.add("429")
        return codes
