"""Permissions shared by every app: who may call the API at all."""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class IsOnboarded(BasePermission):
    """The default: a signed-in user who has completed onboarding."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            raise exceptions.NotAuthenticated(
                "Authorization header missing or token not found.", code="token_missing"
            )
        if not getattr(user, "is_onboarded", True):
            raise exceptions.NotAuthenticated(
                "User not found or not onboarded.", code="user_not_onboarded"
            )
        return True


class IsSignedIn(BasePermission):
    """A signed-in caller, onboarded or not: the view says what a missing profile means
    (``GET /v1/users/me`` answers 404 ``user_not_onboarded``, the app's cue to onboard)."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(
                "Authorization header missing or token not found.", code="token_missing"
            )
        return True


class HasCognitoIdentity(BasePermission):
    """Any valid Cognito token, onboarded or not: the onboarding endpoint."""

    def has_permission(self, request, view):
        if request.auth is None or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(
                "A Cognito bearer token is required.", code="token_missing"
            )
        kind = getattr(request.auth, "kind", "cognito")
        if kind != "cognito":
            # An old backend's token names a user who exists already: nothing to onboard.
            raise exceptions.AuthenticationFailed(
                f"{kind.capitalize()} tokens are not accepted here.",
                code="invalid_token_use",
            )
        return True


class IsAppAdmin(BasePermission):
    """Staff, or members of the Cognito admin group."""

    message = "Only app administrators may do this."

    def has_permission(self, request, view):
        return IsOnboarded().has_permission(request, view) and request.user.is_app_admin
