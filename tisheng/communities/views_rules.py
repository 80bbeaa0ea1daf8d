"""The points→hours rule pages: each active program's rule, and editing one with its effect
previewed before it is saved (the province office; anyone else 404s)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.communities import rules
from tisheng.communities import workshop_selectors as ws
from tisheng.communities.models import HoursRule
from tisheng.ledger.models import Category
from tisheng.orgs.scope import has_capability
from tisheng.programs.models import Program

RULE_SAVED_MSG = _("The rule of %(program)s is saved; activities closed from now on use it.")
PREVIEW_MSG = _("Preview below: nothing is saved until you press Save.")


def _allowed(request) -> None:
    if not has_capability(request.user, Cap.COMMUNITIES_RULES):
        raise Http404


@login_required
def rule_list(request):
    _allowed(request)
    programs = list(Program.objects.exclude(status="archived").order_by("-start_date", "code")[:100])
    saved = {r.program_id: r for r in HoursRule.objects.filter(program__in=programs).select_related("updated_by")}
    rows = []
    for p in programs:
        rule = saved.get(p.pk) or HoursRule(program=p)
        rows.append({"program": p, "rule": rule, "saved": p.pk in saved})
    return render(request, "communities/rule_list.html", {"rows": rows, "categories": dict(Category.choices)})


@login_required
def rule_edit(request, pk: int):
    _allowed(request)
    program = get_object_or_404(Program, pk=pk)
    current = ws.hours_rule(program)
    form = {"category": current.category, "points_per_hour": current.points_per_hour,
            "workshop_cap": current.workshop_cap, "assignment_cap": current.assignment_cap,
            **{f"points-{a}": current.points_for(a) for a in HoursRule.POINT_ACTIONS}}
    effect, status = None, 200
    if request.method == "POST":
        form.update({k: request.POST.get(k, "") for k in form})
        try:
            new = rules.rule_from_form(program, request.POST)
            if request.POST.get("action") == "save":
                rules.hours_rule_update(actor=request.user, program=program, new=new)
                messages.success(request, RULE_SAVED_MSG % {"program": program.name})
                return redirect("communities:rule_list")
            effect = rules.preview(program, new)
            messages.info(request, PREVIEW_MSG)
        except ValidationError as exc:
            messages.error(request, "；".join(str(m) for m in exc.messages))
            status = 400
    actions = [(a, label, form[f"points-{a}"]) for a, label in ACTION_LABELS]
    return render(request, "communities/rule_edit.html", {
        "program": program, "form": form, "actions": actions, "effect": effect, "example": rules.EXAMPLE,
        "categories": [(v, label) for v, label in Category.choices if v != Category.IMPORTED]}, status=status)


ACTION_LABELS = (
    ("post", _("A thread started")),
    ("reply", _("A reply or comment")),
    ("featured", _("A post featured by the leader")),
    ("design", _("A version of the lesson design saved")),
    ("attendance", _("A live session attended")),
)
