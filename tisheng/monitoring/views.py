"""Dashboards for every level, each on its own scope, drilling down province → city → county →
school → teachers (the school's enrollment list)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from tisheng.core import storage_files
from tisheng.core.storage_files import PrivateStorageError
from tisheng.monitoring import selectors
from tisheng.monitoring.models import Bulletin
from tisheng.monitoring.sections import dashboard_sections
from tisheng.monitoring.services.bulletins import BulletinError, bulletin_issue
from tisheng.monitoring.standing import standings
from tisheng.monitoring.views_exports import audit_evaluator_access, can_export
from tisheng.orgs.scope import has_capability, path_in_scope, path_q
from tisheng.people.selectors import own_teacher
from tisheng.programs.models import Program
from tisheng.programs.selectors import programs_active_first

BULLETIN_ISSUED = gettext_noop("Bulletin issued: %(title)s")


def _program(request: HttpRequest) -> tuple[Program, list[Program]]:
    if not has_capability(request.user, selectors.CAPABILITY):
        raise Http404
    programs = programs_active_first()
    if not programs:
        raise Http404
    wanted = request.GET.get("program", "") or request.POST.get("program", "")
    chosen = next((p for p in programs if str(p.pk) == wanted), programs[0])
    return chosen, programs


@login_required
@require_GET
@audit_evaluator_access
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
        "can_export": can_export(request.user, board.node.node_path if board.node else None),
        # Other apps' tables about this node (tisheng.monitoring.sections), e.g. overdue rectifications.
        "sections": dashboard_sections(request.user, program, board.node.node_path if board.node
                                       else node_path or selectors.scope_roots(request.user)[0]),
    })


def _bulletins_in_scope(actor):
    roots = selectors.scope_roots(actor)
    if not roots:
        raise Http404
    return Bulletin.objects.filter(path_q("node_path", roots)).select_related("program")


@login_required
@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """The archive of bulletins within the actor's scope, newest first, and issuing one now."""
    program, programs = _program(request)
    bulletins = _bulletins_in_scope(request.user).filter(program=program)
    page = Paginator(bulletins.defer("html", "numbers"), 30).get_page(request.GET.get("page"))
    node = request.GET.get("node", "").strip()[:96] or selectors.scope_roots(request.user)[0]
    return render(request, "monitoring/bulletin_list.html", {"page": page, "program": program, "programs": programs,
                                                             "node": node})


@login_required
@require_POST
def bulletin_new(request: HttpRequest) -> HttpResponse:
    program, _programs = _program(request)
    node = request.POST.get("node", "").strip()[:96]
    if not path_in_scope(request.user, selectors.CAPABILITY, node):
        raise Http404
    try:
        bulletin = bulletin_issue(program=program, node_path=node, actor=request.user)
    except BulletinError as e:
        messages.error(request, _(str(e)))
        return redirect(f"{request.path.rsplit('/new', 1)[0]}/?program={program.pk}")
    except PrivateStorageError as e:
        messages.error(request, e.message)
        return redirect(f"{request.path.rsplit('/new', 1)[0]}/?program={program.pk}")
    messages.success(request, _(BULLETIN_ISSUED) % {"title": bulletin.title})
    return redirect("monitoring:bulletin", pk=bulletin.pk)


@login_required
@require_GET
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletins_in_scope(request.user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404
    return render(request, "monitoring/bulletin.html", {"bulletin": bulletin})


@login_required
@require_GET
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletins_in_scope(request.user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404
    return storage_files.serve(request, bulletin.pdf_file, content_type="application/pdf", as_attachment=True,
                               filename=f"{bulletin.title}.pdf")


@login_required
@require_GET
def my_progress(request: HttpRequest) -> HttpResponse:
    """我的进度: the signed-in teacher's own standing in each program."""
    teacher = own_teacher(request.user)
    if teacher is None:
        raise Http404
    return render(request, "monitoring/my_progress.html", {"standings": standings(teacher)})
