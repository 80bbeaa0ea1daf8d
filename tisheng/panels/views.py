"""Panel pages: the manager's panel (experts, who scores what, progress, close, results) and the
expert's own assignments and scoring page (phone-friendly: one criterion a row)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.core.clientip import client_ip
from tisheng.orgs.scope import has_capability
from tisheng.panels import selectors, services
from tisheng.panels.models import PanelExpert, PanelItem


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def panel_list(request: HttpRequest) -> HttpResponse:
    """The panels in the manager's area (an expert is sent to their assignments)."""
    if not has_capability(request.user, Cap.PANELS_MANAGE):
        if has_capability(request.user, Cap.PANELS_SCORE):
            return redirect("panels:mine")
        raise Http404
    return render(request, "panels/list.html", {"panels": list(selectors.panel_list(request.user)[:200])})


@never_cache
@login_required
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's page. Adding an expert is a POST here, so a new account's one-time password
    is shown on this response only."""
    panel = selectors.get_panel_for_manager(request.user, pk)
    issued = None
    form = {"phone": "", "name": "", "affiliation": ""}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip()[:128] for k in form}
        try:
            expert = services.panel_expert_add(actor=request.user, panel=panel, ip=client_ip(request), **form)
        except ValidationError as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("%(name)s is on the panel until %(until)s and has been told.") % {
                "name": expert.user.name, "until": panel.ends_on.isoformat()})
            if expert.initial_password is None:
                return redirect("panels:detail", pk=panel.pk)
            issued = {"phone": expert.user.phone, "name": expert.user.name, "password": expert.initial_password}
            form = {k: "" for k in form}
    context = {"panel": panel, "form": form, "issued": issued, "criteria": panel.rubric.get("criteria", [])}
    if panel.is_open:
        context["progress"] = selectors.panel_progress(panel)
    else:
        context["results"] = _results_rows(panel)
    return render(request, "panels/detail.html", context, status=status)


def _results_rows(panel) -> list[dict]:
    criteria = panel.rubric["criteria"]
    rows = sorted(panel.results.get("items", []), key=lambda r: (r.get("rank") or 10**6, r["title"]))
    for r in rows:
        r["cells"] = [dict(r["criteria"].get(c["key"], {}), label=c["label"]) for c in criteria]
    return rows


@login_required
@require_POST
def panel_assign(request: HttpRequest, pk: int) -> HttpResponse:
    panel = selectors.get_panel_for_manager(request.user, pk)
    try:
        if request.POST.get("all"):
            count = services.panel_assign_all(actor=request.user, panel=panel)
            messages.success(request, _("%(count)s assignments made: every expert scores every item, except "
                                        "conflicts of interest.") % {"count": count})
        else:
            item = PanelItem.objects.filter(panel=panel, pk=request.POST.get("item") or 0).first()
            expert = PanelExpert.objects.filter(panel=panel, pk=request.POST.get("expert") or 0).first()
            if item is None or expert is None:
                raise Http404
            assigned = request.POST.get("assigned") == "1"
            services.panel_assign(actor=request.user, panel=panel, item=item, expert=expert, assigned=assigned)
            messages.success(request, (_("%(expert)s will score %(item)s.") if assigned else
                                       _("%(expert)s no longer scores %(item)s.")) % {
                "expert": expert.user.name, "item": item.title})
    except ValidationError as exc:
        _fail(request, exc)
    return redirect("panels:detail", pk=panel.pk)


@login_required
@require_POST
def panel_close(request: HttpRequest, pk: int) -> HttpResponse:
    panel = selectors.get_panel_for_manager(request.user, pk)
    try:
        panel = services.panel_close(actor=request.user, panel=panel, ip=client_ip(request))
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The panel is closed and its results are fixed; the experts have been told."))
    return redirect("panels:detail", pk=panel.pk)


@login_required
@require_GET
def my_assignments(request: HttpRequest) -> HttpResponse:
    assignments = list(selectors.expert_assignments(request.user))
    panels: dict[int, dict] = {}
    for a in assignments:
        entry = panels.setdefault(a.item.panel_id, {"panel": a.item.panel, "assignments": []})
        entry["assignments"].append(a)
    for entry in panels.values():
        p = entry["panel"]
        if not p.is_open:
            by_item = {r["item_id"]: r for r in p.results.get("items", [])}
            for a in entry["assignments"]:
                a.result = by_item.get(a.item_id)
    return render(request, "panels/mine.html", {"panels": list(panels.values())})


@never_cache
@login_required
def score(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.get_assignment_for_expert(request.user, pk)
    panel = assignment.item.panel
    status = 200
    values = {k: str(s.value.normalize()) for k, s in selectors.own_scores(assignment).items()}
    comment = next((s.comment for s in selectors.own_scores(assignment).values()), "")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "conflict":
                services.conflict_declare(actor=request.user, assignment=assignment,
                                          reason=request.POST.get("reason", "")[:255], ip=client_ip(request))
                messages.success(request, _("Your conflict of interest with %(item)s is recorded: you will not "
                                            "score it.") % {"item": assignment.item.title})
            else:
                values = {c["key"]: request.POST.get(c["key"], "")[:16] for c in panel.rubric["criteria"]}
                comment = request.POST.get("comment", "")[:500]
                services.scores_submit(actor=request.user, assignment=assignment, values=values,
                                       comment=comment, ip=client_ip(request))
                messages.success(request, _("Your scores of %(item)s are saved. You can change them until the "
                                            "panel closes.") % {"item": assignment.item.title})
            return redirect("panels:mine")
        except ValidationError as exc:
            _fail(request, exc)
            status = 400
    criteria = [dict(c, value=values.get(c["key"], "")) for c in panel.rubric["criteria"]]
    return render(request, "panels/score.html", {"assignment": assignment, "panel": panel, "criteria": criteria,
                                                 "comment": comment}, status=status)
