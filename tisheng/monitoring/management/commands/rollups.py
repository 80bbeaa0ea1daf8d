from django.core.management.base import BaseCommand, CommandError

from tisheng.monitoring.services.rollups import rollups_check, rollups_refresh
from tisheng.programs.models import Program


class Command(BaseCommand):
    help = ("Refresh the monitoring roll-ups of every program (or --program CODE); with --check, also "
            "recompute them from the teacher rows and compare (exit status 1 when they differ).")

    def add_arguments(self, parser):
        parser.add_argument("--program", help="a program code (default: all)")
        parser.add_argument("--check", action="store_true", help="compare with a recomputation from scratch")
        parser.add_argument("--no-refresh", action="store_true", help="check the stored rows without refreshing")

    def handle(self, *args, program=None, check=False, no_refresh=False, **options):
        programs = Program.objects.order_by("pk")
        if program:
            programs = programs.filter(code=program)
            if not programs.exists():
                raise CommandError(f"no program {program}")
        failed = False
        for p in programs:
            if not no_refresh:
                run = rollups_refresh(p)
                seconds = (run.finished_at - run.started_at).total_seconds()
                self.stdout.write(f"rollups_refresh program={p.code} rows={run.rows} seconds={seconds:.2f}")
            if check:
                result = rollups_check(p)
                self.stdout.write(f"rollups_check program={p.code} rows={result.rows} "
                                  f"differences={len(result.differences)}")
                for difference in result.differences[:20]:
                    self.stdout.write(f"  {difference}")
                failed = failed or bool(result.differences)
        if failed:
            raise SystemExit(1)
