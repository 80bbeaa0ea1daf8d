"""Roster import pages: upload and history, the preview and its commit, the error report,
the template. Login and Cap.ROSTER_IMPORT required; another county's import is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.core.storage_files import PrivateStorageError, StorageUnavailable
from tisheng.orgs.scope import get_object_for_user, has_capability, scope_filter
from tisheng.people import roster_columns
from tisheng.people.models import RosterImport
from tisheng.people.services.roster_files import RosterFileError, check_size
from tisheng.people.services.roster_import import (
    RosterImportConflict,
    roster_commit_of,
    roster_file_run,
    stored_content,
    stored_name,
)
from tisheng.people.services.roster_reports import roster_errors_xlsx, roster_template_xlsx

NO_FILE = gettext_noop("Choose a roster file to upload")
FILE_GONE = gettext_noop("The uploaded file is no longer available; upload it again")
FILE_EXPIRED = gettext_noop("The uploaded file was deleted %(days)s days after its upload, as personal data is; "
                            "upload it again to import it")
COMMIT_BLOCKED = gettext_noop("Nothing was imported: the roster has errors. Fix them, or import only the valid rows.")
ALREADY_COMMITTED = gettext_noop("This import has already been committed")
COMMITTED = gettext_noop("Roster imported: %(created)s new, %(updated)s updated, %(transferred)s transferred in")
COMMITTED_VALID_ONLY = gettext_noop(
    "Only the valid rows were imported: %(created)s new, %(updated)s updated, %(transferred)s transferred in; "
    "%(errors)s rows with errors were skipped"
)

SHOWN_ERRORS = 200
HISTORY_ROWS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_import(user) -> None:
    if not has_capability(user, Cap.ROSTER_IMPORT):
        raise PermissionDenied


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_import(user)
    error, status = None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise RosterFileError(_(NO_FILE))
            check_size(upload.size)  # before reading it
            outcome = roster_file_run(actor=user, content=upload.read(), filename=upload.name,
                                      mode=RosterImport.Mode.DRY_RUN, record=True, store=True)
        except RosterFileError as exc:
            error, status = exc.message, 400
        except PrivateStorageError as exc:
            error, status = exc.message, 503
        else:
            if outcome.sample_rows:
                messages.info(request, outcome.sample_message())
            return redirect("people:roster_import_detail", pk=outcome.roster_import.pk)
    history = scope_filter(RosterImport.objects.all(), user, Cap.ROSTER_IMPORT).defer("errors")[:HISTORY_ROWS]
    return render(request, "people/roster_import.html", {"history": history, "error": error,
                                                         "optional_columns": roster_columns.columns()}, status=status)


def _stored(roster: RosterImport) -> bool:
    """Whether the preview's file is still there (a store that cannot be reached: not now)."""
    try:
        return storage_files.exists(stored_name(roster.sha256, roster.filename))
    except StorageUnavailable:
        return False


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_import(user)
    roster = get_object_for_user(user, RosterImport, Cap.ROSTER_IMPORT, pk=pk)
    if request.method == "POST":
        mode = request.POST.get("mode")
        if mode not in (RosterImport.Mode.ALL_OR_NOTHING, RosterImport.Mode.VALID_ONLY):
            return HttpResponse(status=400)
        if roster.committed or roster.mode != RosterImport.Mode.DRY_RUN:
            messages.error(request, _(ALREADY_COMMITTED))
            return redirect("people:roster_import_detail", pk=roster.pk)
        if roster.file_expired_at is not None:
            messages.error(request, _(FILE_EXPIRED) % {"days": settings.ROSTER_RETENTION_DAYS})
            return redirect("people:roster_import_detail", pk=roster.pk)
        try:
            content = stored_content(roster.sha256, roster.filename)
        except StorageUnavailable as exc:
            messages.error(request, exc.message)
            return redirect("people:roster_import_detail", pk=roster.pk)
        if content is None:
            messages.error(request, _(FILE_GONE))
            return redirect("people:roster_import_detail", pk=roster.pk)
        try:
            with transaction.atomic():
                # One commit per preview: a double click waits here for the first, then finds it.
                RosterImport.objects.select_for_update().filter(pk=roster.pk).first()
                earlier = roster_commit_of(roster)
                if earlier is not None:
                    messages.error(request, _(ALREADY_COMMITTED))
                    return redirect("people:roster_import_detail", pk=earlier.pk)
                outcome = roster_file_run(actor=user, content=content, filename=roster.filename, mode=mode)
        except (RosterFileError, RosterImportConflict) as exc:
            messages.error(request, exc.message)
            return redirect("people:roster_import_detail", pk=roster.pk)
        if not outcome.committed:
            messages.error(request, _(COMMIT_BLOCKED))
            return redirect("people:roster_import_detail", pk=roster.pk)
        counts = outcome.counts
        params = {"created": counts.created, "updated": counts.updated, "transferred": counts.transferred,
                  "errors": len({e.row for e in outcome.errors})}
        messages.success(request, _(COMMITTED_VALID_ONLY if mode == RosterImport.Mode.VALID_ONLY else COMMITTED) % params)
        if outcome.sample_rows:
            messages.info(request, outcome.sample_message())
        return redirect("people:roster_import_detail", pk=outcome.roster_import.pk)
    errors = roster.errors[:SHOWN_ERRORS]
    commit = roster_commit_of(roster)
    return render(request, "people/roster_detail.html", {
        "roster": roster,
        "errors": errors,
        "more_errors": max(0, roster.error_count - len(errors)),
        "commit": commit,
        "can_commit": (not roster.committed and roster.mode == RosterImport.Mode.DRY_RUN
                       and roster.file_expired_at is None and commit is None and _stored(roster)),
        "retention_days": settings.ROSTER_RETENTION_DAYS,
        "error_rows": len({e["row"] for e in roster.errors}),
        "columns_stored": roster_columns.stored_labels(roster.columns_stored) if roster.committed else [],
    })


@login_required
def roster_errors(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_import(user)
    roster = get_object_for_user(user, RosterImport, Cap.ROSTER_IMPORT, pk=pk)
    # The report repeats the rows' cells, national IDs included: an export of personal data.
    audit(actor=user, action=AuditAction.EXPORTED, obj=roster, kind="roster_errors", rows=roster.error_count)
    return _xlsx(roster_errors_xlsx(roster), f"roster-errors-{roster.pk}.xlsx")


@login_required
def roster_template(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    return _xlsx(roster_template_xlsx(), "教师花名册模板.xlsx")
