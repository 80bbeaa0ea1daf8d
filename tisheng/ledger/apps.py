from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tisheng.ledger"

    def ready(self) -> None:
        from tisheng.ledger.registration_dates import register_roster_column

        register_roster_column()  # 资格注册有效期至 in the roster import (people/roster_columns.py)
        from tisheng.core.storage_sweep import Column, register_references

        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps each declaration's proof.
        register_references("declarations/", Column("ledger.ImportedHoursDeclaration", "certificate_file"))
