"""The review chain's pages (结业审核): one queue per level, an enrollment's review page
(history, approve, return with a reason) and the teacher's own "我的结业审核"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from tisheng.orgs.models import Region
from tisheng.programs.models import Enrollment, Program
from tisheng.programs.services import review as svc

PER_PAGE = 50
MODE_SELECTED = "selected"
MODE_FILTER = "filter"

TITLES = {
    svc.SCHOOL: gettext_lazy("School completion list"),
    svc.COUNTY: gettext_lazy("County completion review"),
    svc.CITY: gettext_lazy("City completion review"),
    svc.PROVINCE: gettext_lazy("Province completion approval"),
}


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _programs() -> list[Program]:
    """Programs that can have a completion list (few: one per project phase)."""
    return list(Program.objects.exclude(status=Program.Status.DRAFT).only("id", "code", "name", "status"))


def _chosen_program(programs: list[Program], value: str | None) -> Program | None:
    pk = _int_or_none(value)
    chosen = next((p for p in programs if p.pk == pk), None)
    if chosen is None:
        chosen = next((p for p in programs if p.status == Program.Status.ACTIVE), None) or (programs[0] if programs
                                                                                             else None)
    return chosen


def _filters(request, level: str) -> dict:
    params = request.POST if request.method == "POST" else request.GET
    status = params.get("status", svc.PENDING)
    return {
        "program": params.get("program", ""),
        "status": status if status in svc.STATUSES else svc.PENDING,
        "school": _int_or_none(params.get("school")) if level == svc.COUNTY else None,
        "region": params.get("region", "").strip()[:12] if level in (svc.CITY, svc.PROVINCE) else "",
        "q": params.get("q", "").strip()[:64],
    }


def _region_filter(actor, level: str, code: str) -> Region | None | bool:
    """The region chosen in the filter, if it lies in the actor's subtree for `level`;
    False when a code was given that does not (the queue then shows nothing)."""
    if not code:
        return None
    region = Region.objects.filter(code=code).only("id", "code", "path", "level").first()
    roots = svc.level_paths(actor, level)
    if region is None or not any(region.path == r or region.path.startswith(r + "/") for r in roots):
        return False
    return region


def _queue(actor, level: str, program: Program, filters: dict):
    region = _region_filter(actor, level, filters["region"])
    if region is False:
        return Enrollment.objects.none()
    return svc.review_queue(actor, level, program=program, status=filters["status"], school=filters["school"],
                            region=region, q=filters["q"])


def _querystring(filters: dict, program: Program | None) -> str:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    if program is not None:
        query["program"] = str(program.pk)
    for key in ("status", "school", "region", "q"):
        if filters.get(key):
            query[key] = str(filters[key])
    return query.urlencode()


def _level_or_403(actor, level: str) -> None:
    if level not in svc.review_levels_for(actor):
        raise PermissionDenied(svc.NO_REVIEW_ROLE)


@login_required
def review_home(request):
    """Send each user to the queue of their (lowest) level, a teacher to their own page."""
    levels = svc.review_levels_for(request.user)
    if levels:
        return redirect(f"review:{levels[0]}")
    if svc.my_enrollments(request.user).exists():
        return redirect("review:mine")
    raise PermissionDenied(svc.NO_REVIEW_ROLE)


@never_cache
@login_required
def queue(request, level: str):
    actor = request.user
    _level_or_403(actor, level)
    programs = _programs()
    filters = _filters(request, level)
    program = _chosen_program(programs, filters["program"])
    if request.method == "POST":
        return _batch(request, level, program, filters)
    context = {"level": level, "level_label": svc.LEVEL_LABELS[level], "title": TITLES[level],
               "programs": programs, "program": program, "filters": filters,
               "statuses": _status_choices(level), "page": None, "counts": None}
    if program is not None:
        counts = svc.review_counts(actor, level, program=program)
        page = Paginator(_queue(actor, level, program, filters), PER_PAGE).get_page(request.GET.get("page"))
        school_units = counts.units if level == svc.COUNTY else []
        context.update({
            "counts": counts,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "querystring": _querystring(filters, program),
            "school_units": school_units,
            "region_units": counts.units if level in (svc.CITY, svc.PROVINCE) else [],
            "can_return": level != svc.SCHOOL,
            "action_label": _("Submit") if level == svc.SCHOOL else _("Approve"),
            "pending_view": filters["status"] == svc.PENDING,
            "unit_label": _("School") if level in (svc.SCHOOL, svc.COUNTY) else (
                _("County") if level == svc.CITY else _("City")),
        })
    return render(request, "programs/review_queue.html", context)


def _status_choices(level: str) -> list[tuple[str, str]]:
    if level == svc.SCHOOL:
        return [(svc.PENDING, _("To submit or fix")), (svc.PASSED, _("Submitted")), (svc.RETURNED, _("Returned")),
                (svc.ALL, _("All"))]
    return [(svc.PENDING, _("Pending at my level")), (svc.PASSED, _("Approved")), (svc.RETURNED, _("Returned")),
            (svc.ALL, _("All"))]


def _batch(request, level: str, program: Program | None, filters: dict) -> HttpResponseRedirect:
    """Submit (school) or approve (the others): the ticked rows, or everything the filter
    matches. The service narrows the selection to what waits for this level."""
    actor = request.user
    back = reverse(f"review:{level}") + "?" + _querystring(filters, program)
    if program is None:
        raise Http404
    mode = request.POST.get("mode")
    if mode == MODE_FILTER:
        selection = _queue(actor, level, program, {**filters, "status": svc.PENDING})
    else:
        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
        if not ids:
            messages.error(request, svc.NOTHING_SELECTED)
            return HttpResponseRedirect(back)
        selection = Enrollment.objects.filter(pk__in=ids)
    if level == svc.SCHOOL:
        done = svc.review_submit(actor=actor, program=program, selection=selection)
        text = ngettext("%(n)d teacher submitted to the county.", "%(n)d teachers submitted to the county.",
                        len(done))
    else:
        done = svc.review_approve(actor=actor, level=level, program=program, selection=selection)
        text = ngettext("%(n)d teacher approved.", "%(n)d teachers approved.", len(done))
    if done:
        messages.success(request, text % {"n": len(done)})
    else:
        messages.error(request, svc.NOT_SUBMITTABLE if level == svc.SCHOOL else svc.NOT_AT_YOUR_LEVEL)
    return HttpResponseRedirect(back)


def _labelled(decisions):
    """Decisions with their level's label for the page ("county" → 县级)."""
    decisions = list(decisions)
    for d in decisions:
        d.level_label = svc.LEVEL_LABELS.get(d.level, d.level)
    return decisions


@never_cache
@login_required
def enrollment_review(request, pk: int):
    """One enrollment: its hours, its review history and, for the level it waits for,
    approve or return with a reason."""
    actor = request.user
    enrollment = svc.get_enrollment_for_user(actor, pk)
    level = svc.acting_level(actor, enrollment)
    error = None
    if request.method == "POST":
        if level is None:
            raise PermissionDenied(svc.NOT_AT_YOUR_LEVEL)
        action = request.POST.get("action")
        selection = Enrollment.objects.filter(pk=enrollment.pk)
        try:
            if action == "return" and level != svc.SCHOOL:
                svc.review_return(actor=actor, enrollment=enrollment, reason=request.POST.get("reason", ""))
                messages.success(request, _("Returned to the school with your reason."))
                return redirect(reverse(f"review:{level}"))
            if action == "approve" and level != svc.SCHOOL:
                if not svc.review_approve(actor=actor, level=level, program=enrollment.program, selection=selection):
                    raise svc.ReviewError(svc.NOT_AT_YOUR_LEVEL)
                messages.success(request, _("Approved."))
                return redirect(reverse(f"review:{level}"))
            if action == "submit" and level == svc.SCHOOL:
                if not svc.review_submit(actor=actor, program=enrollment.program, selection=selection):
                    raise svc.ReviewError(svc.NOT_SUBMITTABLE)
                messages.success(request, _("Submitted to the county."))
                return redirect(reverse("review:school"))
            raise PermissionDenied(svc.NOT_AT_YOUR_LEVEL)
        except svc.ReviewError as exc:
            error = exc.messages[0]
    return render(request, "programs/review_enrollment.html", {
        "enrollment": enrollment,
        "teacher": enrollment.teacher,
        "decisions": _labelled(svc.enrollment_decisions(enrollment)),
        "level": level,
        "level_label": svc.LEVEL_LABELS.get(level or "", ""),
        "error": error,
        "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        "max_reason": svc.MAX_REASON_LENGTH,
    }, status=400 if error else 200)


@never_cache
@login_required
def mine(request):
    """我的结业审核: the teacher's own enrollments, where each stands in the chain and, when
    returned, why."""
    enrollments = list(svc.my_enrollments(request.user))
    history = svc.decisions_for(e.pk for e in enrollments)
    rows = [{"enrollment": e, "decisions": _labelled(history.get(e.pk, []))} for e in enrollments]
    return render(request, "programs/review_mine.html", {"rows": rows})

