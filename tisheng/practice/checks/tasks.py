"""Background jobs of the spot checks and similarity app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job

SIMILARITY_INDEX = "practice_checks.index"


@job(SIMILARITY_INDEX, capability=Cap.PRACTICE_VIEW)
def similarity_index(job, progress: Progress) -> dict:
    """Index the new evidence texts: signatures stored, near-duplicates flagged."""
    from tisheng.practice.checks.indexing import index_pending

    indexed = index_pending(progress=progress)
    return {"indexed": indexed}
