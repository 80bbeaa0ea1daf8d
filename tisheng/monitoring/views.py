"""Dashboards for every level, each on its own scope, drilling down province → city → county →
school → teachers (the school's enrollment list)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tisheng.monitoring import selectors
from tisheng.orgs.scope import has_capability
from tisheng.programs.models import Program


def _program(request: HttpRequest) -> tuple[Program, list[Program]]:
    programs = list(Program.objects.order_by("-pk"))
    if not programs:
        raise Http404
    wanted = request.GET.get("program", "")
    chosen = next((p for p in programs if str(p.pk) == wanted), programs[0])
    return chosen, programs


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, selectors.CAPABILITY):
        raise Http404
    program, programs = _program(request)
    node_path = request.GET.get("node", "").strip()[:96] or None
    board = selectors.dashboard(request.user, program, node_path)
    if board is None:
        raise Http404
    return render(request, "monitoring/dashboard.html", {
        "board": board, "program": program, "programs": programs, "node": board.node,
        "charts": selectors.chart_data(board),
    })
