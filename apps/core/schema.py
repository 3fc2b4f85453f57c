"""OpenAPI description of the Cognito bearer scheme for drf-spectacular."""

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
