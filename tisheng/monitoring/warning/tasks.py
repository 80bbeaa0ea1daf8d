"""Background job: recompute the risk scores of one program under one org path."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.periodic import register
from tisheng.jobs.registry import Progress, job
from tisheng.monitoring.warning.risk import risk_refresh_if_stale


@job("monitoring_warning.refresh", capability=Cap.REPORTS_VIEW)
def refresh(job_row, progress: Progress) -> dict:
    from tisheng.monitoring.warning.risk import risk_refresh
    from tisheng.programs.models import Program

    program = Program.objects.get(pk=job_row.args["program"])
    progress(0, 1)
    run = risk_refresh(program, job_row.scope_path or None)
    progress(1, 1)
    return {"rows": run.rows, "high": run.high, "medium": run.medium}


# Early-warning scores older than WARNING_REFRESH_HOURS are computed again (after the roll-ups).
register("risk_refreshed", risk_refresh_if_stale)
