"""Deployment checks of the switch: old tokens are a temporary door, so say while it is open."""

from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def supabase_tokens_accepted(app_configs, **kwargs):
    from apps.legacy.auth import supabase_tokens_enabled

    if not supabase_tokens_enabled():
        return []
    return [
        Warning(
            "The API accepts the old backend's Supabase tokens (LEGACY_SUPABASE_ISSUER is set).",
            hint="Unset LEGACY_SUPABASE_ISSUER, LEGACY_SUPABASE_JWT_SECRET and "
            "LEGACY_SUPABASE_JWKS_URL once installed apps sign in with Cognito "
            "(docs/migration.md).",
            id="legacy.W001",
        )
    ]
