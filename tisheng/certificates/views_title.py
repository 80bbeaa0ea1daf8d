"""职称评聘材料: a school or office compiles teachers' hours and training records for a title
committee, as a printable page or a workbook; every one is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.certificates import title_review as tr
from tisheng.core.clientip import client_ip
from tisheng.core.tabular import TabularFileError
from tisheng.orgs.scope import has_capability
from tisheng.people import selectors as people_selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE_READY = gettext_lazy("The records of %(count)s teachers are ready to print.")


def _date(text: str | None):
    try:
        return parse_date((text or "").strip())
    except ValueError:
        return None


def _period(data) -> tuple:
    if not data.get("start") and not data.get("end"):
        return tr.default_period()
    return tr.check_period(_date(data.get("start")), _date(data.get("end")))


def _respond(request, data: tr.TitleList, fmt: str, *, source: str):
    actor = request.user
    full_ids = has_capability(actor, Cap.TEACHERS_VIEW_ID)
    audit(actor=actor, action=AuditAction.EXPORTED, ip=client_ip(request), kind="title_records", format=fmt,
          source=source, teachers=len(data.records), not_found=len(data.not_found), start=f"{data.start}",
          end=f"{data.end}", teacher_ids=[r.teacher.pk for r in data.records][:50], full_ids=full_ids)
    if fmt == "xlsx":
        with translation.override("zh-hans"):
            body = tr.title_xlsx(data, full_ids=full_ids)
        response = HttpResponse(body, content_type=XLSX)
        stem = data.records[0].teacher.name if len(data.records) == 1 else f"{len(data.records)}人"
        response["Content-Disposition"] = content_disposition_header(
            True, f"职称评聘学时材料-{stem}-{data.start:%Y%m%d}-{data.end:%Y%m%d}.xlsx")
        return response
    return render(request, "certificates/title_print.html", {
        "data": data, "full_ids": full_ids, "levels": list(tr.LEVEL_LABELS.values()),
        "verify_url": request.build_absolute_uri(reverse("verify:index"))})


@never_cache
@login_required
def title_records(request):
    """The form (paste IDs, upload a list or choose a school; the period) and its result."""
    actor = request.user
    if not has_capability(actor, Cap.TITLE_RECORDS):
        raise Http404
    schools = list(tr.title_schools(actor)[:2000])
    counties = list(tr.title_counties(actor)[:200])
    start, end = tr.default_period()
    context = {"schools": schools, "counties": counties, "start": start, "end": end, "ids": "", "school": "",
               "county": "", "limit": tr.MAX_TEACHERS, "workbook_limit": tr.MAX_WORKBOOK_TEACHERS}
    if request.method != "POST":
        return render(request, "certificates/title_form.html", context)
    post = request.POST
    context |= {"ids": post.get("ids", "")[:40000], "school": post.get("school", ""),
                "county": post.get("county", ""), "start": post.get("start", ""), "end": post.get("end", "")}
    fmt = "xlsx" if post.get("format") == "xlsx" else "print"
    # A school's or a county's whole list may be long: the workbook takes it, one printed page
    # per teacher does not.
    printing = fmt == "print"
    try:
        start, end = _period(post)
        upload = request.FILES.get("file")
        if upload is not None:
            source = "file"
            teachers, missing = tr.teachers_by_ids(actor, tr.ids_in_file(upload.read(), upload.name))
        elif post.get("ids", "").strip():
            source = "pasted"
            teachers, missing = tr.teachers_by_ids(actor, tr.ids_in_text(post["ids"]))
        elif post.get("school", "").isdigit():
            source = "school"
            teachers, missing = tr.teachers_of_school(actor, int(post["school"]), printing=printing), []
        elif post.get("county", "").isdigit():
            source = "county"
            teachers, missing = tr.teachers_of_county(actor, int(post["county"]), printing=printing), []
        else:
            teachers, missing, source = [], [], ""
        if not teachers:
            raise ValueError(str(tr.TITLE_NOBODY))
    except TabularFileError as error:
        messages.error(request, error.message)
        return render(request, "certificates/title_form.html", context, status=400)
    except ValueError as error:
        messages.error(request, str(error))
        return render(request, "certificates/title_form.html", context, status=400)
    data = tr.TitleList(start=start, end=end, records=tr.title_records(teachers, start=start, end=end),
                        not_found=missing)
    if missing:
        messages.warning(request, str(tr.TITLE_NOT_FOUND) % {"count": len(missing), "ids": "、".join(missing[:20])})
    if fmt == "print":
        messages.success(request, str(TITLE_READY) % {"count": len(data.records)})
    return _respond(request, data, fmt, source=source)


@never_cache
@login_required
def title_record_teacher(request, pk: int):
    """One teacher's record (from their registry page): printable, or ?format=xlsx."""
    actor = request.user
    teacher = people_selectors.get_teacher_for_user(actor, pk, Cap.TITLE_RECORDS)
    try:
        start, end = _period(request.GET)
    except ValueError as error:
        messages.error(request, str(error))
        start, end = tr.default_period()
    data = tr.TitleList(start=start, end=end, records=tr.title_records([teacher], start=start, end=end))
    return _respond(request, data, "xlsx" if request.GET.get("format") == "xlsx" else "print", source="teacher")
