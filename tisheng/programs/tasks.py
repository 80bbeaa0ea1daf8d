"""Background jobs of the programs app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job

COMPLETION_REFRESH = "programs.completion_refresh"


@job(COMPLETION_REFRESH, capability=Cap.PROGRAMS_MANAGE)
def completion_refresh(job, progress: Progress) -> dict:
    """Judge every enrollment of a program again after its rule set (or its reference
    date) changed: retirement exemptions first, then completion."""
    from tisheng.programs.completion import completion_refresh_program
    from tisheng.programs.models import Program
    from tisheng.programs.services.enrollment import retirement_exemptions_sync

    program = Program.objects.get(pk=job.args["program"])
    total = program.enrollments.count()
    progress(0, total)
    exempted, restored = retirement_exemptions_sync(program)
    changed = completion_refresh_program(program)
    progress(total, total)
    return {"enrollments": total, "changed": changed, "exempted": exempted, "restored": restored}
