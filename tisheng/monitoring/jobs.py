"""Background job kinds of the monitoring app."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job


@job("monitoring.refresh", capability=Cap.REPORTS_VIEW)
def refresh(job_row, progress: Progress) -> dict:
    from tisheng.monitoring.services.rollups import rollups_refresh
    from tisheng.programs.models import Program

    programs = list(Program.objects.order_by("pk"))
    rows = 0
    for done, program in enumerate(programs, start=1):
        rows += rollups_refresh(program).rows
        progress(done, len(programs))
    return {"programs": len(programs), "rows": rows}
