from django.core.management.base import BaseCommand

from tisheng.jobs.services import jobs_run_pending


class Command(BaseCommand):
    help = "The one entry point for periodic work (run it from cron every minute). For now: run pending jobs."

    def handle(self, *args, **options):
        ran = jobs_run_pending()
        self.stdout.write(f"jobs_run={ran}")
