"""Background jobs of the institutions app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.institutions.services.exit import EXIT_APPLY_JOB
from tisheng.jobs.registry import Progress, job


@job(EXIT_APPLY_JOB, capability=Cap.INSTITUTIONS_MANAGE)
def exit_apply(job, progress: Progress) -> dict:
    """Apply a suspension or termination (services.exit.exit_apply): once, however often it runs.
    Progress is reported only around the one transaction (a write inside it would wait for it)."""
    from tisheng.institutions.models import InstitutionExit
    from tisheng.institutions.services.exit import exit_apply as apply

    decision = InstitutionExit.objects.get(pk=job.args["exit"])
    progress(0, 1)
    told = apply(decision, actor=job.created_by)
    progress(1, 1)
    decision.refresh_from_db(fields=["affected", "applied_at"])
    return {"told_now": told, "told": decision.affected.get("told", 0),
            "carried_teachers": decision.affected.get("carried_teachers", 0),
            "carried_hours": decision.affected.get("carried_hours", "0")}
