from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from tisheng.accounts.roles import Cap
from tisheng.orgs import selectors as org_selectors
from tisheng.orgs.scope import has_capability
from tisheng.people import selectors as people_selectors


@login_required
def home(request):
    """The numbers of the user's own scope: schools and teachers under each node they
    hold (one aggregate per node over schools), and a teacher's own record."""
    actor = request.user
    entries = org_selectors.tree_entries(actor, org_selectors.tree_roots(actor)) if has_capability(
        actor, Cap.ORGS_VIEW) else []
    return render(request, "core/home.html", {
        "entries": entries,
        "school_total": sum(e.school_count for e in entries),
        "teacher_total": sum(e.teacher_count for e in entries),
        "own_teacher": people_selectors.own_teacher(actor),
        "can_list_teachers": has_capability(actor, Cap.TEACHERS_VIEW),
        "can_import": has_capability(actor, Cap.ROSTER_IMPORT),
        "can_audit": has_capability(actor, Cap.AUDIT_VIEW),
    })


def ping(request):
    """/healthz: the process is up. Touches no database (no session cookie is read unless one
    is sent), so it is also the ceiling the heartbeat benchmark is measured against."""
    return JsonResponse({"ok": True})
