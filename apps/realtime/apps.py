from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TRANSPORTS = ("channels", "apigateway")


class RealtimeConfig(AppConfig):
    name = "apps.realtime"
    label = "realtime"
    verbose_name = "Realtime"

    def ready(self):
        from django.db.models.signals import post_save

        from apps.core import events
        from apps.realtime import signals, transports

        unknown = set(settings.REALTIME_TRANSPORTS) - set(TRANSPORTS)
        if unknown:
            raise ImproperlyConfigured(
                f"REALTIME_TRANSPORTS: unknown {sorted(unknown)}; choose from {TRANSPORTS}."
            )
        # Both subscribe; each delivers only while REALTIME_TRANSPORTS names it (read per
        # event, so one failing transport never stops the other and tests can switch).
        events.subscribe(transports.via_channels, many=transports.via_channels_many)
        events.subscribe(transports.via_apigateway, many=transports.via_apigateway_many)
        post_save.connect(
            signals.user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="realtime.user"
        )
