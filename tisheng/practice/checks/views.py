"""Spot checks, the similarity report and the school / county practice overviews."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tisheng.accounts.models import User
from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import capability_paths, has_capability, path_in_scope
from tisheng.practice.checks import selectors, services
from tisheng.practice.checks.models import SpotCheck, SpotCheckItem

SPOT_CHECK_DRAWN = gettext_lazy("Spot check drawn: %(sampled)s of %(population)s passed points, seed %(seed)s.")
SPOT_CHECK_ASSIGNED = gettext_lazy("%(count)s items assigned.")
ITEM_DECIDED = gettext_lazy("Check recorded.")
SPOT_CHECK_CLOSED = gettext_lazy("Spot check closed.")
NO_PROGRAM = gettext_lazy("No program asks for micro-abilities yet.")
PERCENT_INVALID = gettext_lazy("Enter a percentage, such as 10.")
# What a region's rows are (the table's heading and test id): a county's schools, a city's
# counties, the province's cities.
CHILD_KIND = {RegionLevel.COUNTY: "schools", RegionLevel.CITY: "counties", RegionLevel.PROVINCE: "cities"}


def _program(request):
    program = selectors.default_program(request.GET.get("program") or request.POST.get("program"))
    if program is None and (request.GET.get("program") or request.POST.get("program")):
        raise Http404
    return program


def _percent(value: str, default: Decimal) -> Decimal:
    if value in (None, ""):
        return default
    try:
        return Decimal(value.strip().rstrip("%")) / 100
    except (InvalidOperation, AttributeError):
        raise ValidationError(PERCENT_INVALID) from None


def _counties(actor) -> list[Region]:
    """Counties where the actor draws spot checks (at or under their regions)."""
    roots = capability_paths(actor, Cap.PRACTICE_SPOT_CHECK)
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(path=root) | Q(path__startswith=root + "/")
    return list(Region.objects.filter(q, level=RegionLevel.COUNTY).order_by("path"))


# Spot checks (county office) --------------------------------------------------------------


@login_required
def spot_list(request):
    if not has_capability(request.user, Cap.PRACTICE_SPOT_CHECK):
        raise Http404
    checks = (selectors.spot_checks_for(request.user).select_related("program", "region", "created_by")
              .annotate(sampled=Count("items"),
                        checked=Count("items", filter=~Q(items__outcome=SpotCheckItem.Outcome.PENDING)),
                        failed=Count("items", filter=Q(items__outcome=SpotCheckItem.Outcome.FAILED)))
              .order_by("-created_at", "-pk"))
    page = Paginator(checks, 50).get_page(request.GET.get("page"))
    return render(request, "practice_checks/spot_list.html", {
        "title": _("Spot checks"), "page": page, "programs": selectors.practice_programs(),
        "program": selectors.default_program(), "counties": _counties(request.user),
        "default_share": services.DEFAULT_SHARE * 100, "default_threshold": services.DEFAULT_FAIL_THRESHOLD * 100,
    })


@login_required
@require_POST
def spot_draw(request):
    if not has_capability(request.user, Cap.PRACTICE_SPOT_CHECK):
        raise Http404
    program = _program(request)
    region = Region.objects.filter(pk=request.POST.get("region") or 0).first()
    if program is None or region is None or not path_in_scope(request.user, Cap.PRACTICE_SPOT_CHECK, region.path):
        raise Http404
    try:
        check = services.spot_check_draw(
            actor=request.user, program=program, region=region,
            share=_percent(request.POST.get("share"), services.DEFAULT_SHARE),
            fail_threshold=_percent(request.POST.get("fail_threshold"), services.DEFAULT_FAIL_THRESHOLD))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("practice:checks_spot_list")
    messages.success(request, SPOT_CHECK_DRAWN % {"sampled": check.items.count(), "population": check.population,
                                                  "seed": check.seed})
    return redirect("practice:checks_spot_detail", check.pk)


@login_required
def spot_detail(request, pk: int):
    check = selectors.get_spot_check_for_user(request.user, pk)
    items = (check.items.select_related("school", "reviewer", "result__teacher", "result__point")
             .order_by("org_path", "pk"))
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    return render(request, "practice_checks/spot_detail.html", {
        "title": _("Spot check %(number)s") % {"number": check.pk}, "check": check, "page": page,
        "schools": selectors.school_failure_shares(check), "reviewers": services.offered_reviewers(check.region),
        "backlog": selectors.spot_check_backlog(check.program, check.region_path),
        "threshold_percent": check.fail_threshold * 100, "share_percent": check.share * 100,
    })


@login_required
@require_POST
def spot_assign(request, pk: int):
    check = selectors.get_spot_check_for_user(request.user, pk)
    ids = [int(v) for v in request.POST.getlist("reviewers") if v.isdigit()]
    reviewers = list(User.objects.filter(pk__in=ids).order_by("name", "pk"))
    try:
        count = services.spot_check_assign(actor=request.user, check=check, reviewers=reviewers,
                                           reassign=bool(request.POST.get("reassign")))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, SPOT_CHECK_ASSIGNED % {"count": count})
    return redirect("practice:checks_spot_detail", check.pk)


@login_required
@require_POST
def spot_close(request, pk: int):
    check = selectors.get_spot_check_for_user(request.user, pk)
    services.spot_check_close(actor=request.user, check=check)
    messages.success(request, SPOT_CHECK_CLOSED)
    return redirect("practice:checks_spot_detail", check.pk)


# Spot checks (reviewer) ----------------------------------------------------------------


@login_required
def review_list(request):
    if not has_capability(request.user, Cap.PRACTICE_SPOT_REVIEW):
        raise Http404
    status = request.GET.get("status", "pending")
    items = (selectors.review_items_for(request.user)
             .select_related("spot_check__program", "school", "result__teacher", "result__point")
             .order_by("spot_check_id", "org_path", "pk"))
    counts = items.aggregate(pending=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.PENDING)),
                             done=Count("pk", filter=~Q(outcome=SpotCheckItem.Outcome.PENDING)))
    if status == "pending":
        items = items.filter(outcome=SpotCheckItem.Outcome.PENDING)
    elif status == "done":
        items = items.exclude(outcome=SpotCheckItem.Outcome.PENDING)
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    return render(request, "practice_checks/review_list.html", {
        "title": _("My spot checks"), "page": page, "counts": counts, "status": status})


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, pk: int):
    item = selectors.get_item_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.spot_check_item_decide(actor=request.user, item=item, outcome=request.POST.get("outcome", ""),
                                            reason=request.POST.get("reason", ""))
        except PermissionDenied:
            raise
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("practice:checks_item", item.pk)
        messages.success(request, ITEM_DECIDED)
        nxt = (selectors.review_items_for(request.user).filter(outcome=SpotCheckItem.Outcome.PENDING)
               .order_by("spot_check_id", "org_path", "pk").first())
        return redirect("practice:checks_item", nxt.pk) if nxt else redirect("practice:checks_review_list")
    submissions = list(selectors.item_submissions(item))
    reviews = selectors.team_reviews(s.pk for s in submissions)
    rows = [{"submission": s, "review": reviews.get(s.pk)} for s in submissions]
    return render(request, "practice_checks/item_detail.html", {
        "title": _("Spot check item"), "item": item, "result": item.result, "rows": rows,
        "can_decide": item.reviewer_id == request.user.pk and item.outcome == SpotCheckItem.Outcome.PENDING
        and item.spot_check.status == SpotCheck.Status.OPEN,
    })


# Similarity ------------------------------------------------------------------------------


@login_required
def similarity_list(request):
    if not capability_paths(request.user, Cap.PRACTICE_VIEW):
        raise Http404
    program = _program(request)
    flagged = selectors.flagged_submissions(request.user, program)
    page = Paginator(flagged, 50).get_page(request.GET.get("page"))
    return render(request, "practice_checks/similarity_list.html", {
        "title": _("Similar evidence"), "page": page, "program": program,
        "flag_percent": round(selectors.flag_share(program) * 100),
        "programs": selectors.practice_programs()})


@login_required
def similarity_detail(request, pk: int):
    submission = selectors.get_submission_for_reviewer(request.user, pk)
    signature = getattr(submission, "similarity_signature", None)
    return render(request, "practice_checks/similarity_detail.html", {
        "title": _("Similar evidence"), "submission": submission,
        "share": signature.copied_share if signature is not None else None,
        "similar": selectors.similar_texts(request.user, submission),
    })


# Overviews -------------------------------------------------------------------------------


@login_required
def overview(request):
    """The actor's own node: a school's page for its team, a region's for an office."""
    roots = capability_paths(request.user, Cap.PRACTICE_VIEW)
    if not roots:
        raise Http404
    root = roots[0]
    query = f"?program={request.GET['program']}" if request.GET.get("program") else ""
    school = School.objects.filter(path=root).only("pk").first()
    if school is not None:
        return redirect(reverse("practice:checks_school_overview", args=[school.pk]) + query)
    region = Region.objects.filter(path=root).only("pk").first()
    if region is None:  # an organization's own node
        raise Http404
    return redirect(reverse("practice:checks_region_overview", args=[region.pk]) + query)


def _overview_context(request, path: str, level: str | None = None) -> dict:
    """The overview of the node at `path`; a region (`level` given) also gets its child rows,
    and its totals are their sums (every teacher under a region is under one of its children),
    which spares the province's page a second pass over all its teachers."""
    program = _program(request)
    context = {"programs": selectors.practice_programs(), "program": program}
    if program is None:
        return context
    if level is None:
        summary, queue = selectors.teacher_summary(program, path), selectors.team_queue(program, path).count()
    else:
        rows = selectors.child_rows(program, path, level)
        summary = {key: sum(row[key] for row in rows) for key in ("teachers", "not_chosen", "not_submitted", "waiting")}
        queue = sum(row["queue"] for row in rows)
        context.update({"child_rows": rows, "child_kind": CHILD_KIND.get(level, "cities")})
    context.update({
        "summary": summary,
        "points": selectors.point_rows(program, path),
        "dimensions": selectors.dimension_rows(program, path),
        "queue": queue,
        "spot_backlog": selectors.spot_check_backlog(program, path),
    })
    return context


@login_required
def school_overview(request, pk: int):
    school = School.objects.select_related("county").filter(pk=pk).first()
    if school is None:
        raise Http404
    selectors.require_practice_scope(request.user, school.path)
    context = _overview_context(request, school.path)
    if context["program"] is not None:
        context["lists"] = selectors.teacher_lists(context["program"], school.path)
        context["peer_backlog"] = selectors.peer_backlog(context["program"], school.path)
    return render(request, "practice_checks/overview.html", {
        **context, "title": _("Practice overview · %(name)s") % {"name": school.name}, "school": school,
        "node_path": school.path, "no_program": NO_PROGRAM})


@login_required
def region_overview(request, pk: int):
    region = Region.objects.filter(pk=pk).first()
    if region is None:
        raise Http404
    selectors.require_practice_scope(request.user, region.path)
    context = _overview_context(request, region.path, region.level)
    return render(request, "practice_checks/overview.html", {
        **context, "title": _("Practice overview · %(name)s") % {"name": region.name}, "region": region,
        "node_path": region.path, "no_program": NO_PROGRAM,
        "can_spot_check": path_in_scope(request.user, Cap.PRACTICE_SPOT_CHECK, region.path)})
