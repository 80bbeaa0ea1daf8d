"""The org tree browser: /orgs/tree/?node=<code>."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from tisheng.accounts.roles import Cap
from tisheng.orgs import selectors
from tisheng.orgs.scope import has_capability


@login_required
def tree(request):
    """One node of the actor's tree with its children and their counts. Without `node`, the
    actor's own root (or the list of their roots when they hold several). A node outside the
    actor's scope is a 404, like a code that does not exist."""
    actor = request.user
    if not has_capability(actor, Cap.ORGS_VIEW):
        raise PermissionDenied
    code = request.GET.get("node", "").strip()
    can_list_teachers = has_capability(actor, Cap.TEACHERS_VIEW)
    if not code:
        roots = selectors.tree_roots(actor)
        if len(roots) == 1:
            node = roots[0]
        else:
            return render(request, "orgs/tree.html", {
                "node": None, "crumbs": [], "children": selectors.tree_entries(actor, roots),
                "can_list_teachers": can_list_teachers,
            })
    else:
        node = selectors.node_for_user(actor, code)
    schools, teachers = selectors.node_totals(actor, node)
    kind = selectors.node_kind(node)
    return render(request, "orgs/tree.html", {
        "node": node,
        "kind": kind,
        "crumbs": selectors.breadcrumbs(actor, node),
        "children": selectors.tree_children(actor, node),
        "school_total": schools,
        "teacher_total": teachers,
        "can_list_teachers": can_list_teachers,
    })
