from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "apps.wallet"
    label = "wallet"
    verbose_name = "Wallet"

    def ready(self):
        from apps.users.erasure import register_personal_data_eraser
        from apps.wallet import checks, signals  # noqa: F401 - registers them
        from apps.wallet.services import wallet_erase_personal_documents

        register_personal_data_eraser(wallet_erase_personal_documents)
