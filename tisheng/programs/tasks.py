"""Background jobs of the programs app (thin wrappers around services)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job

COMPLETION_REFRESH = "programs.completion_refresh"


@job(COMPLETION_REFRESH, capability=Cap.PROGRAMS_MANAGE)
def completion_refresh(job, progress: Progress) -> dict:
    """Re-evaluate every enrollment of a program after its rule set changed."""
    from tisheng.programs.completion import completion_refresh_program
    from tisheng.programs.models import Program

    program = Program.objects.get(pk=job.args["program"])
    total = program.enrollments.count()
    progress(0, total)
    changed = completion_refresh_program(program)
    progress(total, total)
    return {"enrollments": total, "changed": changed}
