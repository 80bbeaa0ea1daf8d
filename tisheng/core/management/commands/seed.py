"""`tisheng seed --scale demo|county|province [--seed N]`: a realistic Fujian to work with.

Runs only on an empty database (no schools, no teachers; `--if-empty` makes a seeded one a
no-op, for `make run`); to seed again, start from a fresh
database: `rm var/tisheng.sqlite3 && tisheng migrate && tisheng seed` (or drop and recreate
the PostgreSQL database).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tisheng.accounts.roles import Role
from tisheng.core.seed.run import ALREADY_SEEDED_SKIPPED, SeedError, database_is_empty, seed_run
from tisheng.core.seed.schools import SCALES


class Command(BaseCommand):
    help = "Seed regions, schools, teachers and demo accounts (demo: ~300 schools; province: ~12,000)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="demo")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same world")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing (and succeed) when the database already has schools or teachers")

    def handle(self, *args, scale: str, seed: int, if_empty: bool = False, **options):
        if if_empty and not database_is_empty():
            self.stdout.write(_(ALREADY_SEEDED_SKIPPED))
            return
        try:
            report = seed_run(scale=scale, seed=seed, out=self.stdout.write)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"seeded {scale}: {report.schools:,} schools, {report.teachers:,} teachers in {report.seconds:.1f}s"
        ))
        self.stdout.write("")
        self.stdout.write(_("Demo accounts"))
        headers = (_("Phone"), _("Password"), _("Role"), _("Name"), _("Organization"))
        rows = [(a.phone, a.password, f"{a.role} {Role(a.role).label}", a.name, f"{a.node_name} ({a.node_code})")
                for a in report.accounts]
        widths = [max(_width(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
        for row in (headers, *rows):
            self.stdout.write("  ".join(_pad(str(cell), w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
