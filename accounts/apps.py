from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and agencies"

    def ready(self) -> None:
        from accounts import auth_signals, signals  # noqa: F401
