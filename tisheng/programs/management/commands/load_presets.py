"""`tisheng load-presets`: the two shipped programs (Fujian 2015–2017 and 提升工程2.0) as
programs with their preset rule sets, when they do not exist yet. Enrolls nobody: rollout
batches do that (`tisheng seed` also enrolls its demo counties)."""

from django.core.management.base import BaseCommand

from tisheng.programs.models import Program
from tisheng.programs.services.programs import PRESET_PROGRAMS, program_create_from_preset


class Command(BaseCommand):
    help = "Create the preset programs (Fujian 2015 and 提升工程2.0) unless they exist."

    def handle(self, *args, **options):
        for spec in PRESET_PROGRAMS:
            if Program.objects.filter(code=spec["code"]).exists():
                self.stdout.write(f"{spec['code']}: exists")
                continue
            program = program_create_from_preset(actor=None, **spec)
            self.stdout.write(self.style.SUCCESS(f"{program.code}: created ({program.name})"))
