from django.core.management.base import BaseCommand

from tisheng.jobs.services import jobs_requeue_stale, jobs_run_pending


class Command(BaseCommand):
    help = ("The one entry point for periodic work (run it from cron every minute): queues again the jobs of "
            "lost workers, then runs pending jobs.")

    def handle(self, *args, **options):
        requeued = jobs_requeue_stale()
        ran = jobs_run_pending()
        self.stdout.write(f"jobs_requeued={requeued} jobs_run={ran}")
