"""Exports of any registered table (monitoring/exports.py) to .xlsx.

Up to EXPORT_SYNC_LIMIT rows the file is written at once and sent in the response; above it the
export runs as a background job (kind "monitoring.export") that writes the file to a temporary
file on its node's disk, then stores it in the private file store (core/storage_files.py: exports/,
locally or in the object store, so any app node serves the download) and shows a progress bar and, when done, a download link served only
to the person who asked for it. Every file starts with a header block (what, the scope, the
filters, the time in Asia/Shanghai and who exported it), and every export and every download of
a stored file is written to the audit log.

Stored files are kept EXPORT_RETENTION_DAYS (settings, default 7) after their job finished:
`run-periodic` calls `exports_purge`, which deletes older ones and marks their jobs expired
(`expired_at` in the job's result), so teacher lists with national IDs do not pile up on disk.
The download of an expired export answers 410 with a page asking to export again.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from tisheng.accounts.models import AuditAction
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.core.tabular import BOLD, XlsxBook
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.registry import Progress, job
from tisheng.jobs.services import job_enqueue
from tisheng.monitoring.exports import CAPABILITY, Source, Table, clean_params, get_table
from tisheng.orgs.scope import path_in_scope

EXPORT_SYNC_LIMIT = 5000
EXPORT_JOB = "monitoring.export"
EXPORT_DIR = "exports"
DOWNLOADED = "export_downloaded"
PURGED = "exports_purged"
EXPIRED_KEY = "expired_at"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROGRESS_EVERY = 1000

NUMBER_FORMATS = {"int": "#,##0", "hours": "0.0#", "percent": "0.0"}


def chinese_time(moment: dt.datetime) -> str:
    """`2026年11月25日 08:54` in Asia/Shanghai, however the moment is stored."""
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def header_rows(table: Table, source: Source, actor, moment: dt.datetime, rows: int) -> list[list[str]]:
    """The block every file starts with: what, the scope, the filters, when and who."""
    filters = "；".join(f"{label}：{value}" for label, value in source.filters) or _("None")
    beijing = _("Beijing time")
    block = [
        [str(table.title)],
        [_("Scope"), f"{source.node_name}（{source.node_path}）"],
    ]
    if source.roots:
        block.append([_("Limited to your scope"), "；".join(source.roots)])
    block += [
        [_("Filters"), filters],
        [_("Exported at"), f"{chinese_time(moment)}（{beijing}）"],
        [_("Exported by"), f"{actor.name}（{actor.phone}）" if actor.phone else actor.name],
        [_("Rows"), str(rows)],
        [],
    ]
    return block


def export_write(table: Table, source: Source, actor, out: IO[bytes], *, rows: int,
                 moment: dt.datetime | None = None, progress: Progress | None = None) -> int:
    """Write the header block and the table to `out` as .xlsx (core.tabular: streamed, so memory
    stays flat however many rows there are, and no cell can be a formula). Returns the number of
    data rows."""
    moment = moment or timezone.now()
    book = XlsxBook(title=str(table.title) or "export", widths=[column.width for column in table.columns])
    for number, line in enumerate(header_rows(table, source, actor, moment, rows)):
        book.append(line, font=Font(bold=True, size=14) if number == 0 else None)
    book.append([str(column.label) for column in table.columns], font=BOLD)
    written = 0
    for row in source.rows():
        book.append(row)
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written, rows)
    book.save(out)
    return written


def filename(table: Table, source: Source, moment: dt.datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{table.title}-{source.node_name}-{local:%Y%m%d-%H%M}.xlsx"


@dataclass
class ExportResult:
    """Either the file itself (small exports) or the job writing it (large ones)."""

    content: bytes | None = None
    filename: str = ""
    rows: int = 0
    job: Job | None = None


def export_table(*, actor, table_name: str, raw_params, ip: str | None = None,
                 sync_limit: int | None = None) -> ExportResult:
    """Export a table for `actor`: written at once up to `sync_limit` rows, otherwise queued as a
    job. Raises Http404 for a table, program or node the actor cannot export."""
    table = get_table(table_name)
    params = clean_params(table, raw_params)
    source = table.source(actor, params)
    total = source.count()
    if total > (EXPORT_SYNC_LIMIT if sync_limit is None else sync_limit):
        queued = job_enqueue(actor=actor, kind=EXPORT_JOB, scope_path=source.node_path,
                             args={"table": table.name, "params": params, "rows": total,
                                   "language": translation.get_language() or settings.LANGUAGE_CODE})
        return ExportResult(job=queued, rows=total)
    moment = timezone.now()
    buffer = io.BytesIO()
    rows = export_write(table, source, actor, buffer, rows=total, moment=moment)
    audit(actor=actor, action=AuditAction.EXPORTED, object_type="export", object_id=table.name,
          scope_path=source.node_path, ip=ip, table=table.name, filters=params, rows=rows)
    return ExportResult(content=buffer.getvalue(), filename=filename(table, source, moment), rows=rows)


@job(EXPORT_JOB, capability=CAPABILITY)
def export_job(job_row: Job, progress: Progress) -> dict:
    """A large export in the background, as the person who asked for it (their scope today)."""
    actor = job_row.created_by
    if actor is None:
        raise Http404
    table = get_table(job_row.args["table"])
    params = job_row.args.get("params", {})
    with translation.override(job_row.args.get("language") or settings.LANGUAGE_CODE):
        source = table.source(actor, params)
        total = source.count()
        moment = timezone.now()
        relative = Path(EXPORT_DIR) / f"{job_row.pk}-{table.name}-{moment.astimezone(SHANGHAI):%Y%m%d%H%M%S}.xlsx"
        progress(0, total)
        # Written on this node's disk first (a large export never sits whole in memory), then stored.
        with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as out:
            rows = export_write(table, source, actor, out, rows=total, moment=moment, progress=progress)
            stored = storage_files.save(relative.as_posix(), File(out, name=relative.name), actor=actor,
                                        scope_path=source.node_path)
        progress(rows, total)
        name = filename(table, source, moment)
    audit(actor=actor, action=AuditAction.EXPORTED, object_type="export", object_id=table.name,
          scope_path=source.node_path, table=table.name, filters=params, rows=rows, job=job_row.pk)
    return {"file": stored, "filename": name, "rows": rows}


def get_export_job_for_user(actor, pk: int) -> Job:
    """An export job, only for the person who started it and only while the node is still in
    their scope; 404 for everyone else."""
    found = Job.objects.filter(pk=pk, kind=EXPORT_JOB).first()
    if found is None or not actor.is_authenticated or found.created_by_id != actor.pk:
        raise Http404
    if not _still_reaches(actor, found.scope_path):
        raise Http404
    return found


def export_job_list(actor) -> QuerySet[Job]:
    """The actor's own export jobs, newest first, only those whose node they still reach (the
    same rule as `get_export_job_for_user`: at or below their scope, or a node above it)."""
    if not actor.is_authenticated:
        return Job.objects.none()
    from tisheng.orgs.scope import capability_paths, path_q

    roots = capability_paths(actor, CAPABILITY)
    above = {root.rsplit("/", depth)[0] for root in roots for depth in range(1, root.count("/") + 1)}
    return (Job.objects.filter(kind=EXPORT_JOB, created_by=actor)
            .filter(path_q("scope_path", roots) | Q(scope_path__in=above))
            .order_by("-created_at", "-id"))


def _still_reaches(actor, path: str) -> bool:
    if path_in_scope(actor, CAPABILITY, path):
        return True
    # A node above the actor's scope (their rows of the province): still fine while they hold a
    # subtree under it.
    from tisheng.orgs.scope import capability_paths

    return any(r.startswith(path + "/") for r in capability_paths(actor, CAPABILITY))


class ExportExpired(Exception):
    """The export's file was deleted after the retention period (the view answers 410)."""


def export_expired(job_row: Job) -> bool:
    """Whether a finished export's file was deleted after the retention period."""
    return job_row.state == JobState.DONE and bool(job_row.result.get(EXPIRED_KEY))


def export_file(*, actor, job_row: Job, ip: str | None = None) -> tuple[str, str]:
    """The stored file's name and the name to download it as, of a finished export job (audited);
    ExportExpired once the retention period deleted it; 404 otherwise."""
    if export_expired(job_row):
        raise ExportExpired
    if job_row.state != JobState.DONE or not job_row.result.get("file"):
        raise Http404
    stored = job_row.result["file"]
    if not _is_export(stored) or not storage_files.exists(stored):
        raise Http404
    audit(actor=actor, action=DOWNLOADED, object_type="export", object_id=job_row.args.get("table", ""),
          scope_path=job_row.scope_path, ip=ip, table=job_row.args.get("table", ""),
          filters=job_row.args.get("params", {}), rows=job_row.result.get("rows", 0), job=job_row.pk)
    return stored, job_row.result.get("filename") or Path(stored).name


def _is_export(name: str) -> bool:
    """Only ever a file directly in the exports folder, whatever a job's result says."""
    parts = Path(name).parts
    return len(parts) == 2 and parts[0] == EXPORT_DIR and ".." not in parts


def _stored_files(job_row: Job, folder_files: list[str]) -> list[str]:
    """The files an export job left: its .xlsx, and any .part of an attempt that stopped midway
    (a failed job, or a lost worker's before the job was run again)."""
    name = job_row.result.get("file") or ""
    candidates = [name] if name else []
    # The name starts with the job's pk and a dash, so job 1 never matches job 12's file.
    candidates += [f"{EXPORT_DIR}/{file}" for file in folder_files
                   if file.startswith(f"{job_row.pk}-") and file.endswith(".part")]
    return [candidate for candidate in candidates if _is_export(candidate)]


def exports_purge(now: dt.datetime | None = None) -> int:
    """Delete the stored files of export jobs that finished more than EXPORT_RETENTION_DAYS
    ago and mark those jobs expired; returns how many jobs expired in this run.

    Idempotent: a job already marked is never looked at again, so a second run (or one running
    at the same time: the mark is a conditional UPDATE only one of them wins) finds nothing.
    Queued and running jobs and jobs of other kinds are never touched. The file goes before the
    mark: a run that stops in between leaves a job the next run finishes. One audit entry per run
    that expired something (run-periodic runs every minute; an entry for every empty run would
    only bury the ones that matter)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    due = (Job.objects.filter(kind=EXPORT_JOB, state__in=(JobState.DONE, JobState.FAILED),
                              finished_at__lt=cutoff)
           .exclude(result__has_key=EXPIRED_KEY).only("id", "state", "result").order_by("id"))
    jobs = list(due)
    folder_files = storage_files.listdir(EXPORT_DIR)[1] if jobs else []
    expired: list[int] = []
    # A list, not .iterator(): SQLite gives no isolation between a cursor and the updates below.
    for job_row in jobs:
        for name in _stored_files(job_row, folder_files):
            storage_files.delete(name)
        result = {key: value for key, value in job_row.result.items() if key != "file"}
        result[EXPIRED_KEY] = now.isoformat()
        if Job.objects.filter(pk=job_row.pk).exclude(result__has_key=EXPIRED_KEY).update(result=result):
            expired.append(job_row.pk)
    if expired:
        audit(actor=None, action=PURGED, object_type="export", scope_path="", count=len(expired),
              retention_days=settings.EXPORT_RETENTION_DAYS, jobs=expired[:1000])
    return len(expired)
