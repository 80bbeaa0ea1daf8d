"""`tisheng serve`: the production-style server (gunicorn) on the configured database."""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the application with gunicorn; static files are served by WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.getenv("TISHENG_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.getenv("TISHENG_WORKERS", "2")))

    def handle(self, *args, bind, workers, **options):
        from gunicorn.app.wsgiapp import run

        sys.argv = ["gunicorn", "tisheng.wsgi:application", "--bind", bind, "--workers", str(workers),
                    "--access-logfile", "-"]
        run()
