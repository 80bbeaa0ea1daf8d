"""`tisheng warning-refresh [--program CODE] [--path PATH] [--as-of YYYY-MM-DD]`: recompute the
early-warning risk scores (every active program, the whole province, by default) and print the
share of the scored teachers at each level. `--as-of` scores "as if today were" that day (the
hours and activity up to its end count; the stored rows are replaced, so run it on a copy or
refresh again without it afterwards)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tisheng.monitoring.warning.risk import SHANGHAI, risk_refresh
from tisheng.programs.models import Program

BAD_DATE = "--as-of must be a date written YYYY-MM-DD"


class Command(BaseCommand):
    help = "Recompute early-warning risk scores of enrolled teachers."

    def add_arguments(self, parser):
        parser.add_argument("--program", help="program code (default: every active program)")
        parser.add_argument("--path", help="org path to refresh under (default: the province)")
        parser.add_argument("--as-of", dest="as_of", help="score as if today were this day (YYYY-MM-DD)")

    def handle(self, *args, program=None, path=None, as_of=None, **options):
        when = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(BAD_DATE) from None
            when = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)
        programs = Program.objects.filter(status=Program.Status.ACTIVE)
        if program:
            programs = Program.objects.filter(code=program)
            if not programs.exists():
                raise CommandError(f"no program {program}")
        for p in programs.order_by("pk"):
            run = risk_refresh(p, path, as_of=when)
            low = run.rows - run.high - run.medium
            shares = " ".join(f"{name}={n / run.rows:.1%}" if run.rows else f"{name}=-"
                              for name, n in (("high_share", run.high), ("medium_share", run.medium),
                                              ("low_share", low)))
            self.stdout.write(f"warning_refresh program={p.code} path={run.path} as_of={run.as_of:%Y-%m-%d} "
                              f"rows={run.rows} high={run.high} medium={run.medium} low={low} {shares} "
                              f"seconds={run.seconds:.2f}")
