"""Early-warning pages: teachers at risk per county and school (scoped by REPORTS_VIEW),
reminders and follow-up requests, the interventions with their effect. (Each user's own
notifications moved to tisheng.notifications; the old address redirects there.)"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tisheng.jobs.services import job_enqueue
from tisheng.monitoring.views_exports import audit_evaluator_access
from tisheng.monitoring.warning import selectors, services
from tisheng.monitoring.warning.models import RiskLevel
from tisheng.monitoring.warning.risk import HIGH_AT, MEDIUM_AT, RECENT_DAYS, RULES_SHOWN, latest_run
from tisheng.orgs.scope import has_capability
from tisheng.programs.models import Program
from tisheng.programs.selectors import programs_active_first

PAGE_SIZE = 50
REFRESH_QUEUED = "已提交重新计算，稍后刷新本页查看结果。"


class _CountedPaginator(Paginator):
    """A paginator told its count instead of running COUNT(*) again."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _program(request: HttpRequest) -> tuple[Program, list[Program]]:
    programs = programs_active_first()
    if not programs:
        raise Http404
    wanted = request.POST.get("program") or request.GET.get("program", "")
    return next((p for p in programs if str(p.pk) == wanted), programs[0]), programs


def _node(request: HttpRequest) -> selectors.Node:
    if not has_capability(request.user, selectors.CAPABILITY):
        raise Http404
    path = (request.POST.get("node") or request.GET.get("node", "")).strip()[:96] or None
    node = selectors.node_for(request.user, path)
    if node is None:
        raise Http404
    return node


def _back(program: Program, node: selectors.Node, extra: dict | None = None) -> str:
    from django.urls import reverse

    query = {"program": program.pk, "node": node.path, **(extra or {})}
    return f"{reverse('monitoring:warning_list')}?{urlencode(query)}"


@login_required
@require_GET
@audit_evaluator_access
def warning_list(request: HttpRequest) -> HttpResponse:
    program, programs = _program(request)
    node = _node(request)
    level = request.GET.get("level", "")
    sort = request.GET.get("sort", "-score")
    rows = selectors.risk_list(request.user, program, node, level=level, sort=sort)
    # The per-unit summary already counts every level: the totals and the paginator's count
    # come from it, so a province's rows are not counted again.
    children = selectors.children_summary(request.user, program, node)
    if children:
        high, medium = sum(c["high"] for c in children), sum(c["medium"] for c in children)
        counts = {"high": high, "medium": medium, "low": sum(c["total"] for c in children) - high - medium}
    else:
        counts = selectors.level_counts(request.user, program, node)
    known = counts.get(level, sum(counts.values()))
    page = _CountedPaginator(rows, PAGE_SIZE, known).get_page(request.GET.get("page"))
    run = latest_run(program, node.path)
    age = int((timezone.now() - run.finished_at).total_seconds() // 60) if run else None
    query = urlencode({k: v for k, v in {"program": program.pk, "node": node.path, "level": level,
                                         "sort": sort}.items() if v})
    return render(request, "monitoring_warning/list.html", {
        "program": program, "programs": programs, "node": node, "page": page, "level": level, "sort": sort,
        "levels": RiskLevel.choices, "counts": counts, "children": children,
        "run": run, "age_minutes": age, "rules": RULES_SHOWN, "high_at": HIGH_AT, "medium_at": MEDIUM_AT,
        "recent_days": RECENT_DAYS, "querystring": query,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    })


def _selected(request: HttpRequest, program: Program, node: selectors.Node) -> list[int]:
    """The teachers ticked, or with `all`, every teacher of the list as filtered."""
    if request.POST.get("all"):
        rows = selectors.risk_list(request.user, program, node, level=request.POST.get("level", ""))
        return list(rows.values_list("teacher_id", flat=True)[:services.MAX_BATCH])
    return [int(v) for v in request.POST.getlist("teacher") if v.isdigit()]


def _intervene(request: HttpRequest, send, done: str) -> HttpResponse:
    """Send one kind of intervention about the selected teachers, then back to the list as it
    was filtered. `send(actor=, program=, teachers=)` records and delivers them."""
    program, _programs = _program(request)
    node = _node(request)
    try:
        made = send(actor=request.user, program=program, teachers=_selected(request, program, node))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if not made:
            raise Http404
        messages.success(request, done % {"n": len(made)})
    level = request.POST.get("level", "")
    return redirect(_back(program, node, {"level": level} if level else None))


@login_required
@require_POST
def warning_remind(request: HttpRequest) -> HttpResponse:
    return _intervene(request, services.remind_teachers, _("Reminders sent to %(n)d teachers."))


@login_required
@require_POST
def warning_follow_up(request: HttpRequest) -> HttpResponse:
    return _intervene(request, services.ask_principals, _("The principals were asked to follow up %(n)d teachers."))


@login_required
@require_POST
def warning_refresh(request: HttpRequest) -> HttpResponse:
    program, _programs = _program(request)
    node = _node(request)
    job_enqueue(actor=request.user, kind="monitoring_warning.refresh", args={"program": program.pk},
                scope_path=node.path)
    messages.success(request, REFRESH_QUEUED)
    return redirect(_back(program, node))


@login_required
@require_GET
@audit_evaluator_access
def warning_interventions(request: HttpRequest) -> HttpResponse:
    program, programs = _program(request)
    node = _node(request)
    page = Paginator(selectors.interventions(request.user, program, node), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    items = [(i, selectors.effect_of(i, now)) for i in page]
    summary = {"active": 0, "waiting": 0, "none": 0}
    for _i, effect in items:
        summary[effect] += 1
    return render(request, "monitoring_warning/interventions.html", {
        "program": program, "programs": programs, "node": node, "page": page, "items": items, "summary": summary,
        "effect_days": selectors.EFFECT_DAYS,
        "querystring": urlencode({"program": program.pk, "node": node.path}),
    })

