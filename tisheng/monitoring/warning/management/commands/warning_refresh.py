"""`tisheng warning-refresh [--program CODE] [--path PATH]`: recompute the early-warning risk
scores (every active program, the whole province, by default)."""

from django.core.management.base import BaseCommand, CommandError

from tisheng.monitoring.warning.risk import risk_refresh
from tisheng.programs.models import Program


class Command(BaseCommand):
    help = "Recompute early-warning risk scores of enrolled teachers."

    def add_arguments(self, parser):
        parser.add_argument("--program", help="program code (default: every active program)")
        parser.add_argument("--path", help="org path to refresh under (default: the province)")

    def handle(self, *args, program=None, path=None, **options):
        programs = Program.objects.filter(status=Program.Status.ACTIVE)
        if program:
            programs = Program.objects.filter(code=program)
            if not programs.exists():
                raise CommandError(f"no program {program}")
        for p in programs.order_by("pk"):
            run = risk_refresh(p, path)
            self.stdout.write(f"warning_refresh program={p.code} path={run.path} rows={run.rows} high={run.high} "
                              f"medium={run.medium} seconds={run.seconds:.2f}")
