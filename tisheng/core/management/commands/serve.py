"""`tisheng serve`: the production server on the configured database.

granian (WSGI) by default: `--workers` processes, each running requests in `--threads` threads.
Threads matter for the player's heartbeats: the beats a worker's threads hold at once are
committed together (playback/fastpath.GroupCommit), so more threads mean bigger batches; 16 per
worker is what `make bench` measures (bench_heartbeat.py starts its server through this command).
`--server gunicorn` runs gunicorn's sync workers instead (one request at a time per worker, so
each beat is committed alone). Static files are served by WhiteNoise either way.

By default serve also runs the job worker (`run-jobs`) and the periodic tasks (`run-periodic`
every --periodic-seconds) as supervised child processes (tisheng/core/supervise.py): a worker
that dies is started again, and stopping serve stops them all. `--no-worker` serves only, for
machines where the worker and the periodic tasks run as services of their own (deploy/systemd/).
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tisheng.core.observability_metrics import prepare_multiprocess_dir
from tisheng.core.supervise import Supervisor, tisheng_command

# A production server never starts on the public development keys (tisheng/core/checks.py).
DEV_KEYS_REFUSED = ("Refusing to serve with DEBUG off on public development keys: set {names} (or, for a demo "
                    "on this machine only, TISHENG_ALLOW_DEV_KEYS=1).")


def server_argv(server: str, *, bind: str, workers: int, threads: int, access_log: bool = True) -> list[str]:
    """The command line that serves tisheng.wsgi:application."""
    if server == "gunicorn":
        argv = [sys.executable, "-m", "gunicorn", "tisheng.wsgi:application", "--bind", bind, "--workers",
                str(workers), "--backlog", "2048", "--timeout", "60"]
        return [*argv, "--access-logfile", "-"] if access_log else argv
    host, _, port = bind.rpartition(":")
    argv = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host or "127.0.0.1", "--port", port,
            "--workers", str(workers), "--blocking-threads", str(threads), "--backlog", "2048", "--no-ws",
            "--respawn-failed-workers"]
    return [*argv, "--access-log", "tisheng.wsgi:application"] if access_log else [*argv, "tisheng.wsgi:application"]


class Command(BaseCommand):
    help = "Serve the application with granian (or gunicorn); static files are served by WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.getenv("TISHENG_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.getenv("TISHENG_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.getenv("TISHENG_THREADS", "16")),
                            help="request threads per granian worker (each may hold a database connection)")
        parser.add_argument("--server", choices=["granian", "gunicorn"], default=os.getenv("TISHENG_SERVER", "granian"))
        parser.add_argument("--no-access-log", action="store_true")
        parser.add_argument("--no-worker", action="store_true",
                            help="serve only: the job worker and the periodic tasks run as services of their own")
        parser.add_argument("--periodic-seconds", type=float,
                            default=float(os.getenv("TISHENG_PERIODIC_SECONDS", "60")),
                            help="how often `run-periodic` runs beside the server (without --no-worker)")

    def handle(self, *args, bind, workers, threads, server, no_access_log, no_worker, periodic_seconds, **options):
        if settings.DEVELOPMENT_KEYS and not settings.DEBUG and not settings.ALLOW_DEV_KEYS:
            raise CommandError(DEV_KEYS_REFUSED.format(names=", ".join(settings.DEVELOPMENT_KEYS)))
        argv = server_argv(server, bind=bind, workers=workers, threads=threads, access_log=not no_access_log)
        # The workers' metrics meet in one directory, emptied at each start (core/observability_metrics.py).
        prepare_multiprocess_dir(Path(settings.METRICS_DIR) if settings.METRICS_DIR else None)
        sys.stdout.flush()
        if no_worker:
            os.execv(argv[0], argv)  # the server becomes this process: signals reach it directly
        else:
            supervisor = Supervisor(web=argv, worker=tisheng_command("run-jobs"),
                                    periodic=tisheng_command("run-periodic"), periodic_seconds=periodic_seconds)
            if code := supervisor.run():
                sys.exit(code)
