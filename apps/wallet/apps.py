from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "apps.wallet"
    label = "wallet"
    verbose_name = "Wallet"

    def ready(self):
        from apps.wallet import checks, signals  # noqa: F401 - registers them
