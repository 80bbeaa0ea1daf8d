"""Supervision pages: the office plans rounds and decides rectifications, inspectors record
findings on their units, the inspected unit answers. Every action ends on a page with a message."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tisheng.accounts.roles import Cap
from tisheng.core import storage_files
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.orgs.models import Region
from tisheng.orgs.scope import capability_paths, has_capability
from tisheng.programs.models import Program
from tisheng.supervision import report, selectors, services
from tisheng.supervision.evidence import evidence_name
from tisheng.supervision.models import EvidenceFile, Grade, Inspection, RoundKind
from tisheng.supervision.rubric import METRICS, preset

ROUND_CREATED = gettext_noop("The round “%(title)s” is planned: %(n)s units, their platform figures filled in.")
ASSIGNED = gettext_noop("%(name)s is assigned to %(n)s units and has been notified.")
FINDINGS_SAVED = gettext_noop("%(n)s findings saved.")
NOTHING_SAVED = gettext_noop("Nothing changed: choose a grade for the indicators you inspected.")
TYPED_KEPT = gettext_noop("The grades and comments you typed are kept below; choose the evidence files again, "
                          "then save.")
GRADED = gettext_noop("%(unit)s is graded “%(grade)s”; the unit and the office have been notified.")
ITEM_ADDED = gettext_noop("Rectification item added; %(owner)s has been notified.")
ANSWERED = gettext_noop("Your answer is submitted; the office has been notified.")
ACCEPTED = gettext_noop("The rectification is accepted; the unit has been notified.")
REOPENED = gettext_noop("The item is reopened; the unit has been notified.")
CLOSED = gettext_noop("The round is closed.")
BAD_DATE = gettext_noop("Enter dates as YYYY-MM-DD.")
CHOOSE_INSPECTOR = gettext_noop("Choose an inspector.")
CHOOSE_PROGRAM = gettext_noop("Choose the program whose figures the round uses.")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip()) if text else None
    except ValueError as exc:
        raise ValidationError(_(BAD_DATE)) from exc


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    caps = [has_capability(user, c) for c in (Cap.SUPERVISION_MANAGE, Cap.SUPERVISION_INSPECT,
                                               Cap.SUPERVISION_RESPOND)]
    if not any(caps):
        raise Http404
    today = shanghai_today()
    return render(request, "supervision/home.html", {
        "can_manage": caps[0],
        "can_plan": has_capability(user, Cap.NATIONAL_REPORT),
        "rounds": list(selectors.rounds_managed(user).select_related("region")[:50]) if caps[0] else [],
        "assigned": list(selectors.assigned_inspections(user)[:200]),
        "own": list(selectors.own_unit_inspections(user)[:50]),
        "overdue": list(selectors.overdue_rectifications(user, on=today)[:100]),
        "awaiting": list(selectors.awaiting_decision(user)[:100]) if caps[0] else [],
        "today": today,
    })


def _office_region(request: HttpRequest) -> Region:
    roots = capability_paths(request.user, Cap.SUPERVISION_MANAGE)
    region = Region.objects.filter(path__in=roots).order_by("path").first()
    if region is None:
        raise Http404
    return region


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    region = _office_region(request)
    programs = list(Program.objects.order_by("-pk"))
    kind = request.POST.get("kind") or request.GET.get("kind") or RoundKind.REGULAR
    unit_level = "school" if region.level == "county" else "county"
    units = services.unit_candidates(region)
    form = {"title": "", "starts_on": "", "ends_on": "", "program": str(programs[0].pk) if programs else ""}
    indicators = preset(kind, unit_level)
    chosen = {u[0] for u in units}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("title", "starts_on", "ends_on", "program")}
        indicators = [{"name": n, "metric": m, "target": t, "weight": w} for n, m, t, w in zip(
            request.POST.getlist("indicator_name"), request.POST.getlist("indicator_metric"),
            request.POST.getlist("indicator_target"), request.POST.getlist("indicator_weight"), strict=False)]
        chosen = set(request.POST.getlist("unit"))
        program = next((p for p in programs if str(p.pk) == form["program"]), None)
        try:
            if program is None:
                raise ValidationError(_(CHOOSE_PROGRAM))
            round_ = services.round_create(
                actor=request.user, region=region, program=program, title=form["title"], kind=kind,
                starts_on=_date(form["starts_on"]), ends_on=_date(form["ends_on"]), indicators=indicators,
                units=list(chosen))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _(ROUND_CREATED) % {"title": round_.title, "n": round_.inspections.count()})
            return redirect("supervision:round", round_.pk)
    rows = indicators + [{"name": "", "metric": "", "target": "", "weight": ""}] * 3
    return render(request, "supervision/round_new.html", {
        "region": region, "programs": programs, "kinds": RoundKind.choices, "kind": kind, "form": form,
        "indicators": rows, "metrics": list(METRICS.items()), "units": units, "chosen": chosen,
        "unit_level": unit_level}, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.get_round_for_user(request.user, pk)
    summary = report.round_summary(round_, on=shanghai_today())
    return render(request, "supervision/round.html", {
        "round": round_, "summary": summary, "inspectors": selectors.inspector_candidates(round_),
        "grade_labels": dict(Grade.choices)})


@login_required
@require_POST
def round_assign(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.get_round_for_user(request.user, pk)
    inspector = get_user_model().objects.filter(pk=request.POST.get("inspector") or 0).first() \
        if (request.POST.get("inspector") or "").isdigit() else None
    inspections = list(round_.inspections.filter(pk__in=[p for p in request.POST.getlist("inspection")
                                                         if p.isdigit()]))
    try:
        if inspector is None:
            raise ValidationError(_(CHOOSE_INSPECTOR))
        n = services.inspectors_assign(actor=request.user, round_=round_, inspector=inspector,
                                       inspections=inspections)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(ASSIGNED) % {"name": inspector.name, "n": n})
    return redirect("supervision:round", round_.pk)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.get_round_for_user(request.user, pk)
    try:
        services.round_close(actor=request.user, round_=round_)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(CLOSED))
    return redirect("supervision:round", round_.pk)


@login_required
@require_GET
def round_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.get_round_for_user(request.user, pk)
    pdf = report.round_pdf(report.round_summary(round_, on=shanghai_today()))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="supervision-round-{round_.pk}.pdf"'
    return response


def _inspection_context(request: HttpRequest, inspection: Inspection, access: selectors.Access,
                        posted: dict[str, dict[str, str]] | None = None) -> dict:
    """`posted`: indicator code → the grade and comment the inspector typed, shown instead of the
    saved finding when the save failed (so nothing typed is lost)."""
    findings = list(inspection.findings.prefetch_related("files").select_related("recorded_by"))
    items = list(inspection.rectifications.select_related("owner").prefetch_related(
        "answers__files", "answers__answered_by", "answers__decided_by"))
    today = shanghai_today()
    rows = report.inspection_rows(inspection, findings)
    for row in rows:
        finding, typed = row["finding"], (posted or {}).get(row["indicator"]["code"])
        row["grade_value"] = typed["grade"] if typed else (finding.grade if finding else "")
        row["comment_value"] = typed["comment"] if typed else (finding.comment if finding else "")
    return {
        "inspection": inspection, "round": inspection.round, "access": access,
        "rows": rows, "items": items, "today": today,
        "grades": Grade.choices, "owners": selectors.owner_candidates(inspection) if (access.office or access.inspector)
        else [], "inspectors": list(inspection.inspectors.all()),
        "can_record": access.inspector and inspection.round.is_open and inspection.status == Inspection.Status.PENDING,
        "can_raise": (access.office or access.inspector) and inspection.round.is_open,
        "default_deadline": today + dt.timedelta(days=30),
    }


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection, access = selectors.get_inspection_for_user(request.user, pk)
    return render(request, "supervision/inspection.html", _inspection_context(request, inspection, access))


@login_required
@require_GET
def inspection_report(request: HttpRequest, pk: int) -> HttpResponse:
    inspection, access = selectors.get_inspection_for_user(request.user, pk)
    context = _inspection_context(request, inspection, access)
    if request.GET.get("format") == "pdf":
        pdf = report.inspection_pdf(inspection, [r["finding"] for r in context["rows"] if r["finding"]],
                                    context["items"])
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="supervision-{inspection.round_id}-{inspection.unit_code}.pdf"'
        return response
    return render(request, "supervision/report.html", context)


@login_required
@require_POST
def inspection_findings(request: HttpRequest, pk: int) -> HttpResponse:
    inspection, _access = selectors.get_inspection_for_user(request.user, pk)
    entries, files = [], {}
    for indicator in inspection.round.indicators:
        code = indicator["code"]
        entries.append({"indicator": code, "grade": request.POST.get(f"grade_{code}", ""),
                        "comment": request.POST.get(f"comment_{code}", "")})
        if request.FILES.getlist(f"files_{code}"):
            files[code] = request.FILES.getlist(f"files_{code}")
    try:
        n = services.findings_record(actor=request.user, inspection=inspection, entries=entries, files=files)
    except ValidationError as exc:
        # The form again with what was typed (a redirect would drop it); a browser cannot keep the
        # chosen files, so the inspector is told to choose them again.
        _errors(request, exc)
        if files:
            messages.warning(request, _(TYPED_KEPT))
        posted = {e["indicator"]: {"grade": e["grade"], "comment": e["comment"]} for e in entries}
        return render(request, "supervision/inspection.html",
                      _inspection_context(request, inspection, _access, posted), status=400)
    else:
        if n:
            messages.success(request, _(FINDINGS_SAVED) % {"n": n})
        else:
            messages.warning(request, _(NOTHING_SAVED))
    return redirect("supervision:inspection", inspection.pk)


@login_required
@require_POST
def inspection_grade(request: HttpRequest, pk: int) -> HttpResponse:
    inspection, _access = selectors.get_inspection_for_user(request.user, pk)
    grade = request.POST.get("grade", "")
    try:
        services.inspection_grade(actor=request.user, inspection=inspection, grade=grade,
                                  summary=request.POST.get("summary", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(GRADED) % {"unit": inspection.unit_name, "grade": Grade(grade).label})
    return redirect("supervision:inspection", inspection.pk)


@login_required
@require_POST
def rectification_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection, _access = selectors.get_inspection_for_user(request.user, pk)
    owner_id = request.POST.get("owner", "")
    owner = get_user_model().objects.filter(pk=owner_id).first() if owner_id.isdigit() else None
    try:
        services.rectification_add(actor=request.user, inspection=inspection,
                                   description=request.POST.get("description", ""), owner=owner,
                                   deadline=_date(request.POST.get("deadline")),
                                   indicator=request.POST.get("indicator", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(ITEM_ADDED) % {"owner": owner.name})
    return redirect("supervision:inspection", inspection.pk)


@login_required
@require_POST
def rectification_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item, _access = selectors.get_rectification_for_user(request.user, pk)
    try:
        services.rectification_answer(actor=request.user, item=item, text=request.POST.get("text", ""),
                                      files=request.FILES.getlist("files"))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(ANSWERED))
    return redirect("supervision:inspection", item.inspection_id)


@login_required
@require_POST
def rectification_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item, _access = selectors.get_rectification_for_user(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    try:
        services.rectification_decide(actor=request.user, item=item, accept=accept,
                                      note=request.POST.get("note", ""),
                                      deadline=_date(request.POST.get("deadline")))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(ACCEPTED) if accept else _(REOPENED))
    return redirect("supervision:inspection", item.inspection_id)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    row = EvidenceFile.objects.filter(pk=pk).select_related("inspection").first()
    if row is None or not Inspection.objects.filter(selectors.inspections_visible(request.user),
                                                    pk=row.inspection_id).exists():
        raise Http404
    try:
        name = evidence_name(row)
    except OSError as exc:
        raise Http404 from exc
    image = row.kind == "image"  # shown on the page: through this site (the Content-Security-Policy's img-src)
    return storage_files.serve(request, name, content_type=row.content_type, as_attachment=not image,
                               filename=row.original_name, through_app=image)

