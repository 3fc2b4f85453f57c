from django.apps import AppConfig


class LegacyConfig(AppConfig):
    """The one-off move from the old Go/Supabase backend; removable after the switch."""

    name = "apps.legacy"
    label = "legacy"
    verbose_name = "Legacy import"

    def ready(self):
        # Registers the deployment check that warns while Supabase tokens are accepted.
        from apps.legacy import checks  # noqa: F401
