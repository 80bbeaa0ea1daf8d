"""`tisheng completion-refresh [PROGRAM_CODE …] [--chunk N]`: re-evaluate completion of every
enrollment of the named programs (all active programs when none is named) from the ledger.
Prints one line per program: its code, how many enrollments changed and the seconds taken."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tisheng.programs.completion import completion_refresh_program
from tisheng.programs.models import Program


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("programs", nargs="*", help="program codes (default: every active program)")
        parser.add_argument("--chunk", type=int, default=5000)

    def handle(self, *args, programs: list[str], chunk: int, **options):
        if programs:
            found = {p.code: p for p in Program.objects.filter(code__in=programs)}
            missing = [c for c in programs if c not in found]
            if missing:
                raise CommandError(f"No such program: {', '.join(missing)}")
            selected = [found[c] for c in programs]
        else:
            selected = list(Program.objects.filter(status=Program.Status.ACTIVE).order_by("code"))
        for program in selected:
            started = time.monotonic()
            changed = completion_refresh_program(program, chunk=chunk)
            self.stdout.write(f"{program.code} changed={changed} seconds={time.monotonic() - started:.1f}")
