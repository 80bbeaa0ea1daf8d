from django.core.management.base import BaseCommand, CommandError

from tisheng.jobs import periodic


class Command(BaseCommand):
    help = ("The one entry point for periodic work (run it from cron every minute, or let `tisheng serve` "
            "run it): queues again the jobs of lost workers, runs pending jobs, then each app's registered "
            "periodic work — monitoring roll-ups older than ROLLUP_REFRESH_MINUTES, the week's bulletins on "
            "BULLETIN_WEEKDAY, early-warning scores older than WARNING_REFRESH_HOURS, export files older than "
            "EXPORT_RETENTION_DAYS and roster files older than ROSTER_RETENTION_DAYS deleted, expired login "
            "sessions deleted, and more (see tisheng/jobs/periodic.py). Prints name=count for each.")

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], metavar="NAME",
                            help="Run only this task (a name it prints, e.g. exports_purged); repeatable.")

    def handle(self, *args, **options):
        try:
            counts = periodic.run_all(only=options["only"])
        except KeyError as e:
            raise CommandError(f"No periodic task named {e.args[0]}; known: {', '.join(periodic.PERIODIC)}") from None
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
