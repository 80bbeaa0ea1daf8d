"""The daily sweep of stored files no row refers to (core/storage_sweep.py), run as a job.

`store_sweep_queued` runs with every `tisheng run-periodic` round (after the jobs, so a long listing
never holds up the round's other work): when no sweep job was queued in the last
STORE_SWEEP_EVERY_HOURS (24) it queues one, which a worker (or the next round) runs; otherwise it
costs one indexed query. The job row is the sweep's memory (when it last ran) and its
report (what it removed, in its result)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tisheng.accounts.roles import Cap
from tisheng.jobs.models import Job
from tisheng.jobs.periodic import register
from tisheng.jobs.registry import Progress, job
from tisheng.jobs.services import job_enqueue

STORE_SWEEP = "core.store_sweep"


@job(STORE_SWEEP, capability=Cap.AUDIT_VIEW)
def store_sweep(job, progress: Progress) -> dict:
    from tisheng.core.storage_sweep import sweep

    return sweep(progress=progress)


def store_sweep_queued(now: dt.datetime | None = None) -> bool:
    every = dt.timedelta(hours=int(getattr(settings, "STORE_SWEEP_EVERY_HOURS", 24)))
    if Job.objects.filter(kind=STORE_SWEEP, created_at__gt=(now or timezone.now()) - every).exists():
        return False
    job_enqueue(actor=None, kind=STORE_SWEEP, args={}, scope_path="")
    return True


register("store_sweep_queued", store_sweep_queued)
