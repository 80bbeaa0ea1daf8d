from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tisheng.monitoring.national.view import MAX_BYTES, report_load


class Command(BaseCommand):
    help = ("On a national instance: load provinces' national reports (JSON files checked against the published "
            "schema); a report for a province, program and date already loaded is replaced.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files, **options):
        failed = 0
        for name in files:
            path = Path(name)
            try:
                with path.open("rb") as f:
                    row = report_load(actor=None, data=f.read(MAX_BYTES + 1), name=path.name)
            except (OSError, ValidationError) as exc:
                failed += 1
                self.stderr.write(f"{name}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}")
                continue
            self.stdout.write(f"national_load province={row.province_code} program={row.program_code} "
                              f"as_of={row.as_of} completed={row.completed}/{row.teachers_to_train}")
        if failed:
            raise CommandError(f"{failed} of {len(files)} files were not loaded")
