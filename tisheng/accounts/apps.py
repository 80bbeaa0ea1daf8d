from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tisheng.accounts"

    def ready(self) -> None:
        from tisheng.accounts import sessions  # noqa: F401 (records login sessions: signal receivers)
