"""Selection pages: the province's rounds (open one, send applications to the panel, decide,
publish), an institution's application (statement, course list, materials, submit), the
application page experts read, and the public result (page and PDF)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.core import storage_files
from tisheng.institutions import selectors
from tisheng.institutions.models import Application, ApplicationMaterial
from tisheng.institutions.services import selection as svc
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import capability_paths, has_capability
from tisheng.panels.rubric import rubric_as_lines, rubric_from_lines
from tisheng.programs.models import Program

BAD_DATE = _("Enter the dates as YYYY-MM-DD.")
DEFAULT_RUBRIC = [
    ("课程资源符合能力标准和课程标准", 30, 100), ("学段学科覆盖", 20, 100), ("平台能力与 xAPI 对接", 20, 100),
    ("服务团队", 15, 100), ("报价", 15, 100)]
DEFAULT_MATERIALS = "机构资质证明（营业执照或法人证书）\n课程资源说明\n平台技术方案\n服务团队与报价"


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(BAD_DATE, code="bad_date") from exc


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    office = has_capability(actor, Cap.INSTITUTIONS_MANAGE)
    if not office and not has_capability(actor, Cap.INSTITUTIONS_APPLY):
        raise Http404
    today = svc.today()
    form = {"title": "", "program": "", "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=30)).isoformat(),
            "review_ends_on": (today + dt.timedelta(days=60)).isoformat(), "select_min": "5", "select_max": "7",
            "rubric": rubric_as_lines({"criteria": [{"label": lb, "weight": w, "max": m} for lb, w, m in DEFAULT_RUBRIC]}),
            "materials": DEFAULT_MATERIALS}
    status = 200
    if request.method == "POST":
        if not office:
            raise Http404
        form = {k: request.POST.get(k, "")[:4000] for k in form}
        try:
            roots = capability_paths(actor, Cap.INSTITUTIONS_MANAGE)
            region = Region.objects.filter(path__in=roots, level=RegionLevel.PROVINCE).first()
            program = Program.objects.filter(pk=form["program"] or 0).first() if form["program"].isdigit() else None
            if region is None or program is None:
                raise ValidationError(svc.NOT_PROVINCE, code="not_province")
            try:
                counts = int(form["select_min"]), int(form["select_max"])
            except ValueError as exc:
                raise ValidationError(svc.COUNTS_INVALID) from exc
            selection = svc.round_create(
                actor=actor, program=program, region=region, title=form["title"],
                rubric=rubric_from_lines(form["rubric"]), opens_on=_date(form["opens_on"]),
                closes_on=_date(form["closes_on"]), review_ends_on=_date(form["review_ends_on"]),
                materials=svc.materials_from_lines(form["materials"]), select_min=counts[0], select_max=counts[1])
        except ValidationError as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("The selection round is open; institutions can apply from %(opens)s.")
                             % {"opens": selection.opens_on.isoformat()})
            return redirect("institutions:round_detail", pk=selection.pk)
    rounds = list(selectors.round_list(actor)[:100])
    for r in rounds:
        r.phase = svc.round_phase(r, today)
    return render(request, "institutions/round_list.html", {
        "rounds": rounds, "office": office, "form": form,
        "programs": Program.objects.order_by("-pk") if office else []}, status=status)


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    selection = selectors.get_round_for_user(actor, pk)
    phase = svc.round_phase(selection)
    context = {"round": selection, "phase": phase}
    if selectors.is_office(actor, selection):
        applications = selectors.applications_for_office(selection)
        context.update(applications=applications, office=True,
                       selected=sum(1 for a in applications if a.status == "selected"),
                       drafts=selection.applications.filter(status="draft").count())
        return render(request, "institutions/round_office.html", context)
    application = selectors.own_application(actor, selection)
    files = {f.key: f for f in application.files.all()} if application else {}
    context.update(application=application,
                   materials=[dict(m, file=files.get(m["key"])) for m in selection.materials],
                   courses_text=svc.courses_as_lines(application.courses) if application else "")
    return render(request, "institutions/round_apply.html", context)


@login_required
@require_POST
def application_save(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selectors.get_round_for_user(request.user, pk)
    try:
        svc.application_save(actor=request.user, selection=selection, statement=request.POST.get("statement", ""),
                             courses_text=request.POST.get("courses", "")[:40000])
    except ValidationError as exc:
        _fail(request, exc)
        # Nothing typed is lost: the page shows what was sent back in the form.
        return _apply_again(request, selection)
    messages.success(request, _("Your application is saved. You can revise it until the window closes."))
    return redirect("institutions:round_detail", pk=selection.pk)


def _apply_again(request: HttpRequest, selection) -> HttpResponse:
    application = selectors.own_application(request.user, selection)
    files = {f.key: f for f in application.files.all()} if application else {}
    return render(request, "institutions/round_apply.html", {
        "round": selection, "phase": svc.round_phase(selection), "application": application,
        "materials": [dict(m, file=files.get(m["key"])) for m in selection.materials],
        "courses_text": request.POST.get("courses", ""), "statement": request.POST.get("statement", ""),
        "typed": True}, status=400)


def _own_application(request: HttpRequest, pk: int) -> Application:
    institution = svc.institution_of(request.user)
    application = Application.objects.select_related("round").filter(pk=pk).first()
    if institution is None or application is None or application.institution_id != institution.pk:
        raise Http404
    return application


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    upload = request.FILES.get("file")
    key = request.POST.get("key", "")[:16]
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            svc.material_upload(actor=request.user, application=application, key=key, upload=upload)
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("%(name)s is uploaded.") % {"name": upload.name})
    return redirect("institutions:round_detail", pk=application.round_id)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    try:
        svc.application_submit(actor=request.user, application=application)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Your application is submitted. You can still revise it until %(closes)s.")
                         % {"closes": application.round.closes_on.isoformat()})
    return redirect("institutions:round_detail", pk=application.round_id)


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_reader(request.user, pk)
    return render(request, "institutions/application.html", {
        "application": application, "files": list(application.files.all()),
        "office": selectors.is_office(request.user, application.round)})


@login_required
@require_GET
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    material = ApplicationMaterial.objects.filter(pk=pk).first()
    if material is None:
        raise Http404
    selectors.get_application_for_reader(request.user, material.application_id)
    return storage_files.serve(request, material.stored_path, content_type=material.content_type, as_attachment=True,
                               filename=material.file_name)


@login_required
@require_POST
def review_start(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selectors.get_round_for_user(request.user, pk)
    if not selectors.is_office(request.user, selection):
        raise Http404
    try:
        count = svc.round_review_start(actor=request.user, selection=selection)
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("institutions:round_detail", pk=selection.pk)
    messages.success(request, _("%(count)s applications are with the expert panel. Add the experts and assign "
                                "them.") % {"count": count})
    return redirect("panels:detail", pk=selection.panel_id)


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = Application.objects.select_related("round__panel", "institution").filter(pk=pk).first()
    if application is None or not selectors.is_office(request.user, application.round):
        raise Http404
    selected = request.POST.get("selected") == "1"
    try:
        svc.application_decide(actor=request.user, application=application, selected=selected,
                               reason=request.POST.get("reason", "")[:2000])
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, (_("%(name)s: selected.") if selected else _("%(name)s: not selected."))
                         % {"name": application.institution.name})
    return redirect("institutions:round_detail", pk=application.round_id)


@login_required
@require_POST
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selectors.get_round_for_user(request.user, pk)
    if not selectors.is_office(request.user, selection):
        raise Http404
    try:
        chosen = svc.round_publish(actor=request.user, selection=selection)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The result is published: %(count)s institutions selected, every applicant "
                                    "told, and the selected are now the province's contracted institutions.")
                         % {"count": len(chosen)})
    return redirect("institutions:round_detail", pk=selection.pk)


@require_GET
def public_result(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selectors.published_round(pk)
    return render(request, "institutions/public_result.html", {
        "round": selection, "selected": selectors.selected_applications(selection),
        "pdf_url": reverse("institutions:public_result_pdf", args=[selection.pk])})


@require_GET
def public_result_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from tisheng.institutions.pdf import render_result_pdf

    selection = selectors.published_round(pk)
    pdf = render_result_pdf(selection, selectors.selected_applications(selection), office=_office_name(selection))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="selection-{selection.pk}.pdf"'
    return response


def _office_name(selection) -> str:
    return f"{selection.region.name}教育厅" if selection.region.level == RegionLevel.PROVINCE else selection.region.name
