from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        # Registers the OpenAPI security scheme and the deployment system checks.
        from apps.core import checks, schema  # noqa: F401
        from apps.core.logging import install_redaction
        from apps.core.serializers import install_strict_strings
        from apps.core.tracing import configure as configure_tracing

        # Before any request is served: servers' own log lines carry query strings.
        install_redaction()
        install_strict_strings()
        # X-Ray patches (XRAY_TRACING only), before any connection or client exists.
        configure_tracing()
