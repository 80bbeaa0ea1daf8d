"""`tisheng diagnostics_load`: load the shipped topics and micro-abilities (missing rows only)
and give every program without a diagnostic test the default one."""

from django.core.management.base import BaseCommand

from tisheng.diagnostics.services import catalogue_load, instrument_create_default
from tisheng.programs.models import Program


class Command(BaseCommand):
    help = "Load the 1.0 topics, the 2.0 micro-abilities and the default diagnostic tests."

    def handle(self, *args, **options) -> None:
        topics, micro = catalogue_load()
        self.stdout.write(f"topics created: {topics}, micro-abilities created: {micro}")
        for program in Program.objects.filter(instrument__isnull=True):
            instrument = instrument_create_default(program=program)
            self.stdout.write(f"{program.code}: {instrument.title} ({instrument.items.count()} items)")
