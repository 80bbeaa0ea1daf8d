"""Evaluation pages: the periods (the province opens one), a period's ranking with its weights
(the province edits them and publishes), each institution's page with its objective measures,
ratings, anonymised comments, expert and third-party scores, and the third-party upload."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.evaluators import today
from tisheng.accounts.roles import Cap
from tisheng.core import storage_files
from tisheng.institutions import selectors
from tisheng.institutions.measures import CITY_PATH_LEN, TOTAL, Measures, measures
from tisheng.institutions.models import RATING_DIMENSIONS, ThirdPartyEvaluation
from tisheng.institutions.rollup import rolled_up
from tisheng.institutions.services import evaluation as svc
from tisheng.institutions.services.selection import institution_of
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import capability_paths, has_capability

BAD_DATE = _("Enter the dates as YYYY-MM-DD.")


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    office = has_capability(actor, Cap.INSTITUTIONS_MANAGE)
    institution = institution_of(actor)
    if not (office or institution or has_capability(actor, Cap.INSTITUTIONS_ASSESS)
            or has_capability(actor, Cap.REPORTS_VIEW)):
        raise Http404
    form = {"year": str(today().year), "ends_on": (today() + dt.timedelta(days=60)).isoformat()}
    status = 200
    if request.method == "POST":
        if not office:
            raise Http404
        form = {k: request.POST.get(k, "")[:16] for k in form}
        region = Region.objects.filter(path__in=capability_paths(actor, Cap.INSTITUTIONS_MANAGE),
                                       level=RegionLevel.PROVINCE).first()
        try:
            if region is None:
                raise ValidationError(svc.NOT_PROVINCE)
            if not form["year"].isdigit():
                raise ValidationError(svc.YEAR_INVALID)
            try:
                ends_on = dt.date.fromisoformat(form["ends_on"])
            except ValueError as exc:
                raise ValidationError(BAD_DATE) from exc
            period = svc.period_open(actor=actor, region=region, year=int(form["year"]), ends_on=ends_on)
        except ValidationError as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("The %(year)s evaluation is open. Add the experts on its panel; third-party "
                                        "evaluators can now send their reports.") % {"year": period.year})
            return redirect("institutions:evaluation_period", pk=period.pk)
    periods = selectors.evaluation_periods(actor).select_related("panel")
    if not office and not has_capability(actor, Cap.INSTITUTIONS_ASSESS):
        periods = periods.filter(published_at__isnull=False)
    return render(request, "institutions/evaluation_list.html", {
        "periods": list(periods), "office": office, "form": form, "institution": institution}, status=status)


@login_required
@require_GET
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    period = selectors.get_period_for_user(actor, pk)
    office = selectors.is_evaluation_office(actor, period)
    third_party = selectors.is_third_party(actor, period)
    institution = institution_of(actor)
    if not office and not third_party:
        if institution is not None:
            return redirect("institutions:evaluation_institution", pk=period.pk, institution_pk=institution.pk)
        if not period.published_at:
            raise Http404
    if office:
        svc.period_items_refresh(period)
    rows = svc.ranking(period) if (office or period.published_at) else [
        {"institution_id": o.pk, "name": o.name} for o in svc.evaluated_institutions(period)]
    weights = [{"key": k, "label": label, "value": period.weights.get(k, 0)} for k, label in svc.COMPONENTS]
    sent = set(ThirdPartyEvaluation.objects.filter(period=period, evaluator=actor).values_list(
        "institution_id", flat=True)) if third_party else set()
    return render(request, "institutions/evaluation_period.html", {
        "period": period, "office": office, "third_party": third_party, "rows": rows, "weights": weights,
        "components": svc.COMPONENTS, "show_scores": office or bool(period.published_at), "sent": sent})


@login_required
@require_POST
def weights_save(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    if not selectors.is_evaluation_office(request.user, period):
        raise Http404
    try:
        svc.weights_set(actor=request.user, period=period,
                        weights={k: request.POST.get(k, "")[:4] for k, _label in svc.COMPONENTS})
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Weights saved: the ranking below uses them."))
    return redirect("institutions:evaluation_period", pk=period.pk)


@login_required
@require_POST
def ranking_publish(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    if not selectors.is_evaluation_office(request.user, period):
        raise Http404
    try:
        rows = svc.ranking_publish(actor=request.user, period=period)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The %(year)s ranking is published; %(count)s institutions were told their "
                                    "scores.") % {"year": period.year, "count": len(rows)})
    return redirect("institutions:evaluation_period", pk=period.pk)


def _institution(period, pk: int) -> Organization:
    institution = svc.evaluated_institutions(period).filter(pk=pk).first()
    if institution is None:
        raise Http404
    return institution


@login_required
@require_GET
def institution_page(request: HttpRequest, pk: int, institution_pk: int) -> HttpResponse:
    actor = request.user
    period = selectors.get_period_for_user(actor, pk)
    institution = _institution(period, institution_pk)
    paths = selectors.evaluation_view_paths(actor, period, institution)
    office = selectors.is_evaluation_office(actor, period)
    third_party = selectors.is_third_party(actor, period)
    own = paths is None and not office and not third_party
    # The province, the institution and third parties read the daily roll-up; a scoped office
    # its own area's live figures (a fraction of the rows).
    found = rolled_up([institution.pk], period.year) if paths is None else None
    figures, computed_at = found if found else (
        measures(institution_ids=[institution.pk], year=period.year, scope_paths=paths), None)
    total = figures.pop(TOTAL, Measures())
    cities = dict(Region.objects.filter(path__in=list(figures)).values_list("path", "name"))
    rows = sorted(({"name": cities[k], "m": m} for k, m in figures.items() if k in cities), key=lambda r: r["name"])
    comments, withheld = selectors.rating_comments(institution=institution, year=period.year, scope_paths=paths)
    stars = [{"label": label, "value": total.stars.get(d)} for d, label in RATING_DIMENSIONS]
    scores = None
    if period.published_at:
        scores = next((r for r in period.ranking if r["institution_id"] == institution.pk), None)
    elif office or own or third_party:
        # This institution's own composite from the figures above (the whole ranking, every
        # institution's measures, is the period page's work); its rank comes with publication.
        scores = svc.scores_for(period, institution, total if paths is None else None)
    reports = list(ThirdPartyEvaluation.objects.filter(period=period, institution=institution)
                   .select_related("evaluator")) if (office or own or third_party) else []
    expert_comments = []
    if period.panel_id and period.panel.results and (office or own):
        for item in period.panel.results.get("items", []):
            if item["key"] == f"institution:{institution.pk}":
                expert_comments = item.get("comments", [])
    mine = next((r for r in reports if r.evaluator_id == actor.pk), None)
    return render(request, "institutions/evaluation_institution.html", {
        "period": period, "institution": institution, "rows": rows, "total": total, "stars": stars,
        "comments": comments, "withheld": withheld, "scores": scores, "components": svc.COMPONENTS,
        "reports": reports, "expert_comments": expert_comments, "office": office, "own": own,
        "third_party": third_party, "mine": mine, "scoped": paths is not None, "computed_at": computed_at,
        "city_len": CITY_PATH_LEN})


@login_required
@require_POST
def third_party_send(request: HttpRequest, pk: int, institution_pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    if not selectors.is_third_party(request.user, period):
        raise Http404
    institution = _institution(period, institution_pk)
    upload = request.FILES.get("report")
    try:
        if upload is None:
            raise ValidationError(_("Choose the report file (PDF or Word .docx)."))
        svc.third_party_submit(actor=request.user, period=period, institution=institution,
                               score=request.POST.get("score", "")[:16], summary=request.POST.get("summary", ""),
                               upload=upload)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Your report on %(institution)s and its score are saved.") % {
            "institution": institution.name})
    return redirect("institutions:evaluation_institution", pk=period.pk, institution_pk=institution.pk)


@login_required
@require_GET
def report_download(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = ThirdPartyEvaluation.objects.select_related("period", "institution").filter(pk=report_pk).first()
    if report is None:
        raise Http404
    actor = request.user
    own = institution_of(actor)
    if not (selectors.is_evaluation_office(actor, report.period) or report.evaluator_id == actor.pk
            or (own is not None and own.pk == report.institution_id)):
        raise Http404
    return storage_files.serve(request, report.stored_path, content_type=report.content_type, as_attachment=True,
                               filename=report.file_name)
