import signal

from django.core.management.base import BaseCommand

from tisheng.jobs.services import jobs_run_pending, worker_loop


class Command(BaseCommand):
    help = ("Run background jobs from the database queue (forever, or --once until it is empty). The "
            "worker outlives database restarts and queues again the jobs of workers that died. SIGTERM stops it "
            "like Ctrl-C: the job it was running goes back to the queue.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--sleep", type=float, default=1.0, help="seconds between polls of an empty queue")
        parser.add_argument("--kind", action="append", default=[], dest="kinds", metavar="KIND",
                            help="with --once: run only queued jobs of this kind (repeatable), e.g. monitoring.export")

    def handle(self, *args, once: bool = False, sleep: float = 1.0, kinds: list[str] = (), **options):
        earlier = signal.signal(signal.SIGTERM, _interrupt)
        try:
            if once:
                ran = jobs_run_pending(kinds=kinds)
                self.stdout.write(f"jobs_run={ran}")
                return
            worker_loop(poll_seconds=sleep)
        except KeyboardInterrupt:
            return
        finally:
            signal.signal(signal.SIGTERM, earlier)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
