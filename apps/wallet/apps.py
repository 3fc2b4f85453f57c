from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "apps.wallet"
    label = "wallet"
    verbose_name = "Wallet"

    def ready(self):
        from apps.wallet import signals  # noqa: F401 - connects the object clean-up
