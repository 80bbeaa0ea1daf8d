import time

from django.core.management.base import BaseCommand

from tisheng.jobs.services import jobs_run_pending


class Command(BaseCommand):
    help = "Run background jobs from the database queue (forever, or --once until it is empty)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--sleep", type=float, default=1.0, help="seconds between polls of an empty queue")

    def handle(self, *args, once: bool = False, sleep: float = 1.0, **options):
        if once:
            ran = jobs_run_pending()
            self.stdout.write(f"jobs_run={ran}")
            return
        try:
            while True:
                if not jobs_run_pending():
                    time.sleep(sleep)
        except KeyboardInterrupt:
            return
