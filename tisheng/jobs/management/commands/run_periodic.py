from django.core.management.base import BaseCommand

from tisheng.accounts.sessions import sessions_purge
from tisheng.communities.services_assignments import assignment_deadlines_remind
from tisheng.jobs.services import jobs_requeue_stale, jobs_run_pending
from tisheng.monitoring.services.bulletins import bulletins_issue_due
from tisheng.monitoring.services.exports import exports_purge
from tisheng.monitoring.services.rollups import rollups_refresh_if_stale
from tisheng.monitoring.warning.risk import risk_refresh_if_stale
from tisheng.people.services.roster_import import rosters_purge
from tisheng.practice.services.evidence import extractions_resume
from tisheng.resources.services.ranking import ranking_if_stale


class Command(BaseCommand):
    help = ("The one entry point for periodic work (run it from cron every minute): queues again the jobs of "
            "lost workers and the text extraction of evidence still pending, runs pending jobs, then refreshes the monitoring roll-ups that are older than "
            "ROLLUP_REFRESH_MINUTES issues the week's bulletins on BULLETIN_WEEKDAY and scores the early warning again when older "
            "than WARNING_REFRESH_HOURS; deletes stored export files older than EXPORT_RETENTION_DAYS "
            "and uploaded roster files older than ROSTER_RETENTION_DAYS; deletes expired login sessions.")

    def handle(self, *args, **options):
        requeued = jobs_requeue_stale()
        extractions = extractions_resume()
        ranked = ranking_if_stale()  # the resource ranking, queued daily (RESOURCES_RANK_HOURS)
        ran = jobs_run_pending()
        refreshed = rollups_refresh_if_stale()
        bulletins = bulletins_issue_due()
        risks = risk_refresh_if_stale()
        purged = exports_purge()
        rosters = rosters_purge()
        sessions = sessions_purge()
        deadlines = assignment_deadlines_remind()  # study-class assignments due within a day
        self.stdout.write(f"jobs_requeued={requeued} jobs_run={ran} rollups_refreshed={len(refreshed)} "
                          f"bulletins_issued={len(bulletins)} risk_refreshed={len(risks)} exports_purged={purged} "
                          f"rosters_purged={rosters} extractions_resumed={extractions} sessions_purged={sessions} "
                          f"resources_rank_queued={ranked} assignment_deadline_reminders={deadlines}")
