"""The teacher list and the teacher detail page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core.clientip import client_ip
from tisheng.orgs import selectors as org_selectors
from tisheng.orgs.models import RegionLevel
from tisheng.orgs.scope import capability_paths, has_capability, is_in_scope
from tisheng.people import selectors
from tisheng.people.choices import SUBJECTS, TeacherStatus, TeachingStage

PER_PAGE = 20
# The list's filters, as its URL carries them.
FILTER_FIELDS = ("q", "region", "school", "stage", "subject", "status")
# A school drop-down longer than this is useless; above it the list offers the county first.
MAX_SCHOOL_CHOICES = 400
FULL_ID_NOT_ALLOWED = _("You may not see this teacher's full national ID.")
FULL_ID_SHOWN_ONCE = _("The full ID is shown once and this view has been recorded in the audit log.")


def _school_choices(actor, region):
    """Schools for the school filter: those of the chosen region, or of the actor's scope
    when it is one county or smaller; never the province's 12,000."""
    if region is not None and region.level == RegionLevel.COUNTY:
        return list(org_selectors.school_list(actor, {"region": region}).select_related(None).only("id", "name", "path")[:MAX_SCHOOL_CHOICES])
    roots = capability_paths(actor, Cap.ORGS_VIEW)
    if roots and all(p.count("/") >= 2 for p in roots):
        return list(org_selectors.school_list(actor).select_related(None).only("id", "name", "path")[:MAX_SCHOOL_CHOICES])
    return []


def _int_or_none(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


def _list_url(data) -> str | None:
    """The list's URL for the filters in `data`, with a full national ID in the search replaced
    by its lookup hash (`q_hash` is the form's hidden copy of one, kept when the box is empty)."""
    q = data.get("q", "").strip()[:64] or data.get("q_hash", "").strip()[:64]
    token = selectors.search_token(q)
    query = QueryDict(mutable=True)
    for key in FILTER_FIELDS:
        value = token if key == "q" else data.get(key, "").strip()
        if value:
            query[key] = value
    return reverse("people:teacher_list") + (f"?{query.urlencode()}" if query else "")


@login_required
@require_http_methods(["GET", "POST"])
def teacher_list(request):
    """The search form posts and is answered with a redirect to the list's URL (bookmarkable,
    pages and the export link carry the filters), in which a full national ID is its lookup
    hash: the ID itself never appears in a URL, so not in access logs or the browser's
    history. An old link with an ID in `q` is redirected the same way."""
    actor = request.user
    if not has_capability(actor, Cap.TEACHERS_VIEW):
        raise PermissionDenied
    if request.method == "POST" or selectors.search_kind(request.GET.get("q", "").strip()[:64]) == "id":
        return HttpResponseRedirect(_list_url(request.POST if request.method == "POST" else request.GET), status=303)
    params = request.GET
    filters = {
        "q": params.get("q", "").strip()[:64],
        "region": params.get("region", "").strip(),
        "school": _int_or_none(params.get("school", "").strip()),
        "stage": params.get("stage", "") if params.get("stage", "") in TeachingStage.values else "",
        "subject": params.get("subject", "") if params.get("subject", "") in SUBJECTS else "",
        "status": params.get("status", "") if params.get("status", "") in TeacherStatus.values else "",
    }
    region = org_selectors.region_for_user(actor, filters["region"])
    teachers = selectors.teacher_list(
        actor,
        q=filters["q"],
        region=region if region is not None else (filters["region"] or None),
        school=filters["school"],
        stage=filters["stage"] or None,
        subject=filters["subject"] or None,
        status=filters["status"] or None,
    )
    page = Paginator(teachers, PER_PAGE).get_page(params.get("page"))
    schools = _school_choices(actor, region)
    selected_school = None
    if filters["school"] is not None:
        selected_school = next((s for s in schools if s.pk == filters["school"]), None) or (
            org_selectors.school_list(actor).filter(pk=filters["school"]).first())
    query = params.copy()
    query.pop("page", None)
    return render(request, "people/teacher_list.html", {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "filters": filters,
        "regions": org_selectors.region_choices(actor) if not _is_one_county_or_less(actor) else [],
        "schools": schools,
        "selected_school": selected_school,
        "stages": TeachingStage.choices,
        "subjects": SUBJECTS,
        "statuses": TeacherStatus.choices,
        "querystring": query.urlencode(),
        "search_kind": selectors.search_kind(filters["q"]),
        "can_export": has_capability(actor, Cap.REPORTS_EXPORT),
    })


def _is_one_county_or_less(actor) -> bool:
    roots = capability_paths(actor, Cap.TEACHERS_VIEW)
    return bool(roots) and all(p.count("/") >= 2 for p in roots)


@never_cache
@login_required
def teacher_detail(request, pk: int):
    """A teacher's record. POST `reveal` shows the full national ID once, to roles that may
    see it for this teacher, and records that in the audit log."""
    actor = request.user
    teacher = selectors.get_teacher_for_user(actor, pk)
    can_view_id = is_in_scope(actor, teacher, Cap.TEACHERS_VIEW_ID)
    full_id = None
    if request.method == "POST":
        if not can_view_id:
            raise PermissionDenied(FULL_ID_NOT_ALLOWED)
        full_id = teacher.national_id
        audit(actor=actor, action=AuditAction.PERSONAL_DATA_VIEWED, obj=teacher,
              ip=client_ip(request), field="national_id")
    return render(request, "people/teacher_detail.html", {
        "teacher": teacher,
        "postings": selectors.teacher_postings(teacher),
        "can_view_id": can_view_id,
        "full_id": full_id,
        "full_id_notice": FULL_ID_SHOWN_ONCE,
        "can_browse_tree": has_capability(actor, Cap.ORGS_VIEW),
    })
