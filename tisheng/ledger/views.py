"""Hours pages: 我的学时 (a teacher's enrollments, totals and what is left), a teacher's
hours as their school or county sees them, transcripts (PDF / .xlsx), and declarations of
hours from other platforms with the school's queue to approve them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import honours, storage_files
from tisheng.core.clientip import client_ip
from tisheng.ledger import external, registry, selectors, services
from tisheng.ledger import registration as reg
from tisheng.ledger.cycles import CycleForm, cycle_save
from tisheng.ledger.models import (
    ExternalHoursImport,
    ExternalHoursRecord,
    HoursCycle,
    ImportedHoursDeclaration,
)
from tisheng.ledger.registration_dates import registration_of
from tisheng.ledger.registration_windows import WindowBook, rows_standing
from tisheng.ledger.transcripts import transcript_for, transcript_pdf, transcript_xlsx
from tisheng.orgs.models import Region
from tisheng.orgs.scope import capability_paths, get_object_for_user, has_capability, scope_filter
from tisheng.people import selectors as people_selectors
from tisheng.people.models import Teacher
from tisheng.programs.completion import fmt_hours

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECLARATION_SUBMITTED = gettext_lazy("Your declaration was sent to your school for approval.")
DECLARATION_APPROVED = gettext_lazy("Approved: %(hours)s hours credited as imported hours.")
DECLARATION_REJECTED = gettext_lazy("The declaration was rejected.")
DECLARATION_PROGRAM_REQUIRED = gettext_lazy("Choose the program the hours are for.")


def _hours_page(request, teacher, *, own: bool):
    actor = request.user
    enrollments = list(selectors.enrollments_of(actor, teacher))
    declarations = list(selectors.declarations_of(actor, teacher))
    accepting = [e for e in enrollments if e.program.ruleset.max_imported_hours > 0]
    return render(request, "ledger/hours.html", {
        "teacher": teacher,
        "own": own,
        "enrollments": enrollments,
        "declarations": declarations,
        "declare_programs": [e.program for e in accepting] if own and has_capability(actor, Cap.HOURS_DECLARE) else [],
    })


@never_cache
@login_required
def my_hours(request):
    """我的学时: the signed-in teacher's own enrollments and declarations."""
    teacher = people_selectors.own_teacher(request.user)
    if teacher is None:
        raise Http404
    teacher = people_selectors.get_teacher_for_user(request.user, teacher.pk)
    return _hours_page(request, teacher, own=True)


@never_cache
@login_required
def teacher_hours(request, pk: int):
    """A teacher's hours as their school, county, city or province sees them."""
    teacher = people_selectors.get_teacher_for_user(request.user, pk)
    return _hours_page(request, teacher, own=teacher.user_id == request.user.pk)


@never_cache
@login_required
def transcript(request, teacher_pk: int, program_pk: int, fmt: str):
    """学时证明 as PDF or .xlsx; every download is recorded in the audit log."""
    actor = request.user
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    enrollment = selectors.get_enrollment_for_user(actor, teacher_id=teacher_pk, program_id=program_pk)
    with translation.override("zh-hans"):  # a 学时证明 is a Chinese document whatever the UI language
        data = transcript_for(enrollment, list(selectors.ledger_entries(enrollment)))
        if fmt == "pdf":
            body, content_type = transcript_pdf(data), "application/pdf"
        else:
            body, content_type = transcript_xlsx(data), XLSX
    audit(actor=actor, action=AuditAction.EXPORTED, obj=enrollment.teacher, ip=client_ip(request),
          kind="transcript", format=fmt, program=enrollment.program.code, entries=len(data.rows))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{data.filename_stem}.{fmt}")
    return response


@require_POST
@login_required
def declaration_new(request):
    actor = request.user
    teacher = people_selectors.own_teacher(actor)
    if teacher is None or not has_capability(actor, Cap.HOURS_DECLARE):
        raise PermissionDenied
    program_id = request.POST.get("program", "")
    enrollment = (selectors.enrollments_of(actor, teacher).filter(program_id=program_id).first()
                  if program_id.isdigit() else None)
    try:
        if enrollment is None:
            raise ValidationError(DECLARATION_PROGRAM_REQUIRED)
        certificate = request.FILES.get("certificate")
        if certificate is None:
            raise ValidationError(services.DECLARATION_FILE_TYPE)
        services.declaration_submit(
            actor=actor, teacher=enrollment.teacher, program=enrollment.program,
            platform=request.POST.get("platform", ""), title=request.POST.get("title", ""),
            hours=request.POST.get("hours", ""), certificate=certificate)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, DECLARATION_SUBMITTED)
    return redirect("ledger:my_hours")


@never_cache
@login_required
def declaration_queue(request):
    """The school's queue of declared hours: pending first, then the latest decisions."""
    actor = request.user
    if not has_capability(actor, Cap.HOURS_APPROVE):
        raise PermissionDenied
    return render(request, "ledger/declaration_queue.html", {
        "pending": list(selectors.declaration_queue(actor)[:200]),
        "decided": list(selectors.declaration_queue(actor, state=ImportedHoursDeclaration.State.APPROVED)[:50])
        + list(selectors.declaration_queue(actor, state=ImportedHoursDeclaration.State.REJECTED)[:50]),
    })


@require_POST
@login_required
def declaration_decide(request, pk: int):
    actor = request.user
    declaration = selectors.get_declaration_for_user(actor, pk, Cap.HOURS_APPROVE)
    try:
        if request.POST.get("action") == "approve":
            declaration = services.declaration_approve(actor=actor, declaration=declaration)
            messages.success(request, _(DECLARATION_APPROVED) % {"hours": fmt_hours(declaration.approved_hours)})
            if declaration.note:
                messages.warning(request, declaration.note)
        else:
            services.declaration_reject(actor=actor, declaration=declaration, reason=request.POST.get("reason", ""))
            messages.success(request, DECLARATION_REJECTED)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("ledger:declaration_queue")


@never_cache
@login_required
def declaration_file(request, pk: int):
    """The certificate image of a declaration, only to those who may see the teacher."""
    declaration = selectors.get_declaration_for_user(request.user, pk)
    response = storage_files.serve(request, declaration.certificate_file, content_type=declaration.certificate_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The continuing-education registry (继续教育学时档案) and its cycles --------------------------

CYCLE_SAVED = gettext_lazy("The cycle was saved; every teacher's registry now measures against it.")
CYCLE_NOT_SAVED = gettext_lazy("The cycle was not saved; correct the fields marked below.")


def _registry_page(request, teacher, *, own: bool):
    rows = registry.registry_rows(teacher)
    registration = registration_of(teacher)
    cycles = list(registry.cycles_for(teacher.org_path))  # read once: the cycles and the window's rule
    window = window_standing = None
    if registration is not None:  # the teacher's own 定期注册 window (registration_windows.py)
        window = WindowBook(cycles).window(registration.valid_until)
        window_standing = rows_standing(window, rows, today=timezone.localdate())
    return render(request, "ledger/registry.html", {
        "teacher": teacher, "own": own, "rows": rows,
        "registration": registration, "window": window, "window_standing": window_standing,
        "can_edit_registration": not own and has_capability(request.user, Cap.REGISTRATION_DATES),
        "standings": registry.teacher_standings(teacher, rows, cycles=cycles),
        "title_records": not own and has_capability(request.user, Cap.TITLE_RECORDS),
        "honours": honours.honours_for(teacher),  # 视同本级公开课 and other lines higher apps add
    })


@never_cache
@login_required
def my_registry(request):
    """继续教育学时档案: the signed-in teacher's own registry. Their own record is theirs to
    see (the scope's owner rule): one query for it, not the scope filter's three."""
    teacher = (Teacher.objects.select_related("school__county", "user").filter(user=request.user)
               .order_by("org_path", "name", "id").first())
    if teacher is None:
        raise Http404
    return _registry_page(request, teacher, own=True)


@never_cache
@login_required
def teacher_registry(request, pk: int):
    """A teacher's registry as their school, county, city or province sees it."""
    teacher = people_selectors.get_teacher_for_user(request.user, pk)
    return _registry_page(request, teacher, own=teacher.user_id == request.user.pk)


def _cycle_region(actor) -> Region:
    """The highest node where the actor manages programs (the province office's province)."""
    region = Region.objects.filter(path__in=capability_paths(actor, Cap.PROGRAMS_MANAGE)).order_by("path").first()
    if region is None:
        raise PermissionDenied
    return region


@never_cache
@login_required
def cycles(request, pk: int | None = None):
    """The province's continuing-education cycles: the list, a new one, or one to change."""
    actor = request.user
    region = _cycle_region(actor)
    cycle = get_object_for_user(actor, HoursCycle, Cap.PROGRAMS_MANAGE, pk=pk) if pk is not None else None
    form = CycleForm.for_cycle(cycle, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            cycle_save(actor=actor, region=cycle.region if cycle else region, data=form.cleaned_data, cycle=cycle)
            messages.success(request, CYCLE_SAVED)
            return redirect("ledger:cycles")
        messages.error(request, CYCLE_NOT_SAVED)
    return render(request, "ledger/cycles.html", {
        "cycles": list(scope_filter(HoursCycle.objects.all(), actor, Cap.PROGRAMS_MANAGE).order_by("-start_date")),
        "form": form, "cycle": cycle,
    }, status=400 if request.method == "POST" else 200)


# Hours from other platforms, imported in bulk ---------------------------------------------

EXTERNAL_FILE_REQUIRED = gettext_lazy("Choose the exported file to import.")
EXTERNAL_DRY_RUN_DONE = gettext_lazy("Checked %(rows)s rows: %(valid)s can be imported, %(errors)s have errors. Nothing was written.")
EXTERNAL_IMPORTED = gettext_lazy("Imported %(created)s records (%(duplicates)s were already there).")
EXTERNAL_NOT_IMPORTED = gettext_lazy("Nothing was imported: %(errors)s rows have errors. Correct them, or import the valid rows only.")


@never_cache
@login_required
def external_imports(request):
    """外部学时导入: upload another platform's export; the recent imports of the office's area."""
    actor = request.user
    if not has_capability(actor, Cap.HOURS_IMPORT):
        raise PermissionDenied
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValueError(str(EXTERNAL_FILE_REQUIRED))
            batch = external.external_import_file(
                actor=actor, content=upload.read(), filename=upload.name, source=request.POST.get("source", ""),
                verification=request.POST.get("verification", ""), mode=request.POST.get("mode", ""))
        except (ValueError, external.RosterFileError) as error:
            messages.error(request, getattr(error, "message", None) or str(error))
            return redirect("ledger:external_imports")
        counts = {"rows": batch.rows, "valid": batch.valid, "errors": len(batch.errors),
                  "created": batch.created, "duplicates": batch.duplicates}
        if batch.mode == "dry_run":
            messages.info(request, _(EXTERNAL_DRY_RUN_DONE) % counts)
        elif batch.committed:
            messages.success(request, _(EXTERNAL_IMPORTED) % counts)
        else:
            messages.error(request, _(EXTERNAL_NOT_IMPORTED) % counts)
        return redirect("ledger:external_import", pk=batch.pk)
    return render(request, "ledger/external_imports.html", {
        "imports": list(scope_filter(ExternalHoursImport.objects.all(), actor, Cap.HOURS_IMPORT)
                        .select_related("uploaded_by")[:30]),
        "sources": ExternalHoursRecord.Source.choices,
        "verifications": ExternalHoursRecord.Verification.choices[:2],
        "headers": external.HEADERS, "required": external.REQUIRED_HEADERS,
    })


@never_cache
@login_required
def external_import(request, pk: int):
    """One import: its file's hash, counts and row errors (the first 200; all in the .xlsx)."""
    batch = get_object_for_user(request.user, ExternalHoursImport.objects.select_related("uploaded_by"),
                                Cap.HOURS_IMPORT, pk=pk)
    return render(request, "ledger/external_import.html", {
        "batch": batch, "errors": batch.errors[:200],
        "source_label": dict(ExternalHoursRecord.Source.choices).get(batch.source, batch.source),
    })


@never_cache
@login_required
def external_import_errors(request, pk: int):
    """The row errors of an import as .xlsx (row, column, problem)."""
    batch = get_object_for_user(request.user, ExternalHoursImport, Cap.HOURS_IMPORT, pk=pk)
    from tisheng.core.tabular import BOLD, XlsxBook

    book = XlsxBook(title="错误报告", widths=(8, 14, 60))
    book.append(["行号", "列", "问题"], font=BOLD)
    for e in batch.errors:
        book.append([e["row"], e["column"], e["reason"]])
    audit(actor=request.user, action=AuditAction.EXPORTED, obj=batch, ip=client_ip(request),
          kind="external_hours_errors", rows=len(batch.errors))
    response = HttpResponse(book.to_bytes(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"外部学时导入错误-{batch.pk}.xlsx")
    return response


# 定期注册: the teachers whose registration falls due and their cycle's hours -----------------

REGISTRATION_PAGE_SIZE = 100


def _registration_query(request):
    """(county, start, end, errors) from the list's filters; the county must be one the
    actor may list (404 otherwise, the same answer as a county that does not exist)."""
    counties = reg.registration_counties(request.user)
    if not counties.exists():
        raise Http404
    raw = request.GET.get("county", "")
    county = counties.filter(pk=raw).first() if raw.isdigit() else None
    if raw and county is None:
        raise Http404
    county = county or counties.first()
    today = timezone.localdate()
    errors: list[str] = []
    year_raw = request.GET.get("year", "")
    start_raw, end_raw = request.GET.get("start", ""), request.GET.get("end", "")
    if start_raw or end_raw:
        start, end = parse_date_or_none(start_raw), parse_date_or_none(end_raw)
        if start is None or end is None or end < start:
            errors.append(str(reg.REGISTRATION_RANGE_INVALID))
            start, end = reg.registration_range(today.year + 1)
        elif (end - start).days > reg.MAX_RANGE_DAYS:
            errors.append(str(reg.REGISTRATION_RANGE_TOO_LONG))
            start, end = reg.registration_range(today.year + 1)
    elif year_raw:
        year = int(year_raw) if year_raw.isdigit() and 2000 <= int(year_raw) <= 2100 else None
        if year is None:
            errors.append(str(reg.REGISTRATION_RANGE_INVALID))
        start, end = reg.registration_range(year or today.year + 1)
    else:
        start, end = reg.registration_range(today.year + 1)
    return counties, county, start, end, errors


def parse_date_or_none(text: str) -> dt.date | None:
    try:
        return parse_date(text.strip())
    except ValueError:
        return None


@never_cache
@login_required
def registration(request):
    """定期注册: a county's teachers whose registration falls due (next year by default, or a
    year or date range), each measured against the cycle that feeds it."""
    actor = request.user
    counties, county, start, end, errors = _registration_query(request)
    for error in errors:
        messages.error(request, error)
    data = reg.registration_due(actor, county=county, start=start, end=end)
    rows = [r for r in data.rows if not r.standing.met] if request.GET.get("unmet") else data.rows
    if request.GET.get("missing"):  # the teachers whose date the schools still have to enter
        rows = [r for r in rows if not r.on_record]
    page = Paginator(rows, REGISTRATION_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "ledger/registration.html", {
        "data": data, "page": page, "counties": counties, "county": county,
        "year": start.year if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year
        else "", "start": start, "end": end, "unmet_only": bool(request.GET.get("unmet")),
        "missing_only": bool(request.GET.get("missing")),
        "can_edit_dates": has_capability(actor, Cap.REGISTRATION_DATES),
        "querystring": query.urlencode(), "page_range": page.paginator.get_elided_page_range(page.number),
        "columns": data.minimum_columns(),
    })


@never_cache
@login_required
def registration_export(request):
    """The 定期注册 list as .xlsx (the whole list, every teacher); audited."""
    actor = request.user
    _counties, county, start, end, errors = _registration_query(request)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect(f"{reverse('ledger:registration')}?{request.GET.urlencode()}")
    data = reg.registration_due(actor, county=county, start=start, end=end)
    full_ids = has_capability(actor, Cap.TEACHERS_VIEW_ID)
    with translation.override("zh-hans"):
        body = reg.registration_xlsx(data, full_ids=full_ids)
    audit(actor=actor, action=AuditAction.EXPORTED, obj=county, scope_path=county.path, ip=client_ip(request),
          kind="registration_due", start=f"{start}", end=f"{end}", rows=len(data.rows), unmet=data.unmet_count,
          full_ids=full_ids)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"定期注册学时审核-{county.name}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    return response
