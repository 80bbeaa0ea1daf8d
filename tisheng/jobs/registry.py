"""Job kinds and the functions that run them.

    @job("certificates.issue_batch", capability=Cap.CERTIFICATES_ISSUE)
    def issue_batch(job: Job, progress: Progress) -> dict: ...

A job function receives its Job row (args, created_by, scope_path) and a `progress(done,
total)` callback, and returns a JSON-able result. `capability` is what an actor needs over
the job's scope_path to watch it (besides the one who started it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    func: Callable[..., dict[str, Any]]
    capability: str


JOBS: dict[str, JobKind] = {}


def job(name: str, *, capability: str) -> Callable:
    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        JOBS[name] = JobKind(name=name, func=func, capability=capability)
        return func

    return register
