"""Background jobs of the resource library (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job
from tisheng.resources.services.ranking import RANK_JOB


@job(RANK_JOB, capability=Cap.RESOURCES_MANAGE)
def rank(job, progress: Progress) -> dict:
    """Recompute the quality ranking of every resource (services.ranking)."""
    from tisheng.resources.services.ranking import ranking_recompute

    return ranking_recompute()
