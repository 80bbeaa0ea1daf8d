"""Background jobs of the practice app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.periodic import register
from tisheng.jobs.registry import Progress, job
from tisheng.practice.services.evidence import EXTRACT_TEXT, extractions_resume


@job(EXTRACT_TEXT, capability=Cap.PRACTICE_VIEW)
def extract_text(job, progress: Progress) -> dict:
    """Extract the pending evidence texts, each in a limited child process (services.evidence)."""
    from tisheng.practice.services.evidence import submissions_extract_pending

    return {"extracted": submissions_extract_pending(progress=progress)}


# Evidence whose text extraction never finished is queued again, before the jobs run.
register("extractions_resumed", extractions_resume, before_jobs=True)
