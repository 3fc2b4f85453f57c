from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        # Registers the OpenAPI security scheme and the deployment system checks.
        from apps.core import checks, schema  # noqa: F401
