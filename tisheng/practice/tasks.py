"""Background jobs of the practice app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job
from tisheng.practice.services.evidence import EXTRACT_TEXT


@job(EXTRACT_TEXT, capability=Cap.PRACTICE_VIEW)
def extract_text(job, progress: Progress) -> dict:
    """Extract the pending evidence texts, each in a limited child process (services.evidence)."""
    from tisheng.practice.services.evidence import submissions_extract_pending

    return {"extracted": submissions_extract_pending(progress=progress)}
