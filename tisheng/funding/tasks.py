"""The monthly drafting: statements for the last closed month are drafted on their own.

`tisheng run-periodic` calls `funding_drafts_queue()` every minute. From FUNDING_DRAFT_DAY of a
month on (default the 3rd: a completion statement of the last day of a month may arrive a day
or two late) it queues one `funding.draft_month` job per active program with a rate in force
and no draft job yet for that month; the job drafts every contract's statement that does not
exist yet (`statements_draft_all(redraft=False)`: a statement already drafted, checked or
confirmed by hand is left as it is) and tells each institution and each paying office what
waits for them. When nothing is due it costs three small queries.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tisheng.accounts.roles import Cap
from tisheng.funding.models import FundingRate
from tisheng.funding.services import province_path, statements_draft_all
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.periodic import register
from tisheng.jobs.registry import Progress, job
from tisheng.jobs.services import job_enqueue
from tisheng.programs.models import Program

DRAFT_MONTH = "funding.draft_month"


def last_closed_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def drafts_due(today: dt.date | None = None) -> list[tuple[int, dt.date, dt.date]]:
    """(program id, start, end) of the last closed month's drafting not queued yet: active
    programs running in that month with a rate in force at its start. The month is cut to the
    program's own dates."""
    today = today or timezone.localdate()
    if today.day < settings.FUNDING_DRAFT_DAY:
        return []
    month_start, month_end = last_closed_month(today)
    programs = list(Program.objects.filter(status="active", start_date__lte=month_end, end_date__gte=month_start)
                    .values_list("pk", "start_date", "end_date"))
    rated = set(FundingRate.objects.filter(program_id__in=[p for p, _s, _e in programs],
                                           effective_from__lte=month_end).values_list("program_id", flat=True))
    queued = {(j["program"], j["start"]) for j in Job.objects.filter(kind=DRAFT_MONTH).exclude(
        state=JobState.FAILED).filter(created_at__gte=timezone.now() - dt.timedelta(days=62)).values_list(
        "args", flat=True) if isinstance(j, dict) and "program" in j}
    due = []
    for pk, start, end in programs:
        start, end = max(start, month_start), min(end, month_end)
        if pk in rated and (pk, start.isoformat()) not in queued:
            due.append((pk, start, end))
    return due


def funding_drafts_queue(today: dt.date | None = None) -> int:
    """For run-periodic: queue the month's drafting of every program that is due."""
    due = drafts_due(today)
    for pk, start, end in due:
        job_enqueue(actor=None, kind=DRAFT_MONTH, args={"program": pk, "start": start.isoformat(),
                                                        "end": end.isoformat()}, scope_path=province_path())
    return len(due)


@job(DRAFT_MONTH, capability=Cap.FUNDING_SETTLE)
def draft_month(job: Job, progress: Progress) -> dict:
    program = Program.objects.get(pk=job.args["program"])
    progress(0, 1)
    made = statements_draft_all(program=program, start=dt.date.fromisoformat(job.args["start"]),
                                end=dt.date.fromisoformat(job.args["end"]), redraft=False)
    progress(1, 1)
    return {"statements": len(made), "amount": str(sum(st.amount for st in made))}


register("funding_drafts_queued", funding_drafts_queue, before_jobs=True)
