"""OpenAPI description of the Cognito bearer scheme for drf-spectacular."""

import drf_spectacular.openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension


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


class AutoSchema(drf_spectacular.openapi.AutoSchema):
    """Operation ids from the view's name and method (``UserDetailView`` PUT → ``userDetailPut``).

    The default derives them from the path, which collides when one APIView serves a list
    and another the item on the same path stem; view names are unique and say what they do.
    """

    def get_operation_id(self):
        name = self.view.__class__.__name__.removesuffix("View")
        return f"{name[:1].lower()}{name[1:]}{self.method.capitalize()}"
