"""Periodic work, registered by the apps that own it rather than listed in one command.

    # in an app's tasks.py (autodiscovered by JobsConfig.ready) or its AppConfig.ready():
    from tisheng.jobs.periodic import register
    register("exports_purged", exports_purge)

`tisheng run-periodic` (cron, or the worker `tisheng serve` supervises, every minute) calls each
function once: those registered with `before_jobs=True` first (they queue work: stale jobs again,
pending text extraction, the daily ranking), then runs the pending jobs, then the rest in the
order they were registered. Each prints as `name=<count>` (a list or set counts its items, a bool
counts 1 or 0). A function must be cheap when nothing is due. One that raises is logged and
printed as `name=error`; the others still run, so one app's fault does not stop everyone's
reminders and refreshes.

With several app nodes every node may run `run-periodic`: a lease in the database
(jobs/lease.py, PERIODIC_LEASE_SECONDS) lets exactly one of them do a round at a time; the
others print `periodic=skipped` and the name of the holder. A node that dies mid-round lets the
lease run out and another takes over.

Jobs sit low in the app layers, so the apps above reach it here (registration) instead of the
command importing each of them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    fn: Callable[[], Any]
    before_jobs: bool


PERIODIC: dict[str, PeriodicTask] = {}


def register(name: str, fn: Callable[[], Any], *, before_jobs: bool = False) -> Callable[[], Any]:
    """Add `fn` to every run of run-periodic under `name` (registering a name again replaces it)."""
    PERIODIC[name] = PeriodicTask(name=name, fn=fn, before_jobs=before_jobs)
    return fn


def periodic(name: str, *, before_jobs: bool = False) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Decorator form of `register`."""
    return lambda fn: register(name, fn, before_jobs=before_jobs)


def _count(result: Any) -> int | str:
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, list | tuple | set | frozenset | dict):
        return len(result)
    return result if isinstance(result, int) else str(result)


def _run(task: PeriodicTask) -> int | str:
    try:
        return _count(task.fn())
    except Exception:  # one app's fault must not stop the others' periodic work
        logger.exception("periodic task %s failed", task.name)
        return "error"


def lease_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "PERIODIC_LEASE_SECONDS", 600))


def run_all(only: Collection[str] = ()) -> dict[str, int | str]:
    """One round of periodic work, when this process gets the lease; the counts by name, in
    the order printed. `only` names registered tasks to run alone (an operator's "purge the
    exports now"; the queue is then left to the workers)."""
    from tisheng.jobs.lease import lease_acquire, lease_holder, lease_release

    unknown = sorted(set(only) - set(PERIODIC))
    if unknown:
        raise KeyError(", ".join(unknown))
    if not lease_acquire("periodic", seconds=lease_seconds()):
        return {"periodic": "skipped", "held_by": lease_holder("periodic") or "?"}
    try:
        if only:
            return {name: _run(task) for name, task in PERIODIC.items() if name in only}
        return _round()
    finally:
        lease_release("periodic")


def _round() -> dict[str, int | str]:
    from tisheng.jobs.services import jobs_requeue_stale, jobs_run_pending

    counts: dict[str, int | str] = {"jobs_requeued": jobs_requeue_stale()}
    before = {t.name: _run(t) for t in PERIODIC.values() if t.before_jobs}
    counts["jobs_run"] = jobs_run_pending()
    counts.update(before)
    counts.update({t.name: _run(t) for t in PERIODIC.values() if not t.before_jobs})
    return counts


def _sessions_purge() -> int:
    from tisheng.accounts.sessions import sessions_purge

    return sessions_purge()


register("sessions_purged", _sessions_purge)  # expired login sessions (accounts sits below jobs)
