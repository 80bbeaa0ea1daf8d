from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tisheng.ledger"
