"""/: the signed-in user's 待办, a section per role they hold (selectors.home_sections), above
the numbers of their area (schools and active teachers under each node they hold)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tisheng.accounts.roles import Cap
from tisheng.home.selectors import home_sections
from tisheng.orgs import selectors as org_selectors
from tisheng.orgs.scope import has_capability
from tisheng.people import selectors as people_selectors


@login_required
def home(request):
    actor = request.user
    teacher = people_selectors.own_teacher(actor)
    entries = org_selectors.tree_entries(actor, org_selectors.tree_roots(actor)) if has_capability(
        actor, Cap.ORGS_VIEW) else []
    return render(request, "home/home.html", {
        "sections": home_sections(actor, teacher),
        "entries": entries,
        "school_total": sum(e.school_count for e in entries),
        "teacher_total": sum(e.teacher_count for e in entries),
        "own_teacher": teacher,
    })
