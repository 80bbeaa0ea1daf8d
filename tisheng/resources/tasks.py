"""Background jobs of the resource library (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.periodic import register
from tisheng.jobs.registry import Progress, job
from tisheng.resources.services.ranking import RANK_JOB, ranking_if_stale


@job(RANK_JOB, capability=Cap.RESOURCES_MANAGE)
def rank(job, progress: Progress) -> dict:
    """Recompute the quality ranking of every resource (services.ranking)."""
    from tisheng.resources.services.ranking import ranking_recompute

    return ranking_recompute()


# The library's ranking, queued when older than RESOURCES_RANK_HOURS, before the jobs run.
register("resources_rank_queued", ranking_if_stale, before_jobs=True)
