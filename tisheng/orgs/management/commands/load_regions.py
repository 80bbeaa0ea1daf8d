"""`tisheng load-regions [FILE]`: upsert the official division codes (Fujian by default)."""

from django.core.management.base import BaseCommand

from tisheng.orgs.services import DIVISIONS_FILE, regions_load


class Command(BaseCommand):
    help = "Load (or refresh) the province's administrative divisions with their materialized paths."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None,
                            help=f"a divisions CSV (default: {DIVISIONS_FILE.name} shipped with tisheng)")

    def handle(self, *args, path=None, **options):
        count = regions_load(path=path)
        self.stdout.write(f"regions loaded: {count}")
