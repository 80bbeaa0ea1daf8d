from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap, Role
from tisheng.orgs.scope import grants_for, has_capability

# (url name, label, capability needed; None = every signed-in user)
NAV_ITEMS = (
    ("home", _("Home"), None),
    ("monitoring:dashboard", _("Dashboard"), Cap.REPORTS_VIEW),
    ("monitoring:warning_list", _("Early warning"), Cap.REPORTS_VIEW),
    ("notifications:list", _("My notifications"), None),
    ("orgs:tree", _("Org tree"), Cap.ORGS_VIEW),
    ("people:teacher_list", _("Teachers"), Cap.TEACHERS_VIEW),
    ("people:roster_import", _("Roster import"), Cap.ROSTER_IMPORT),
    ("passwords:school_teachers", _("Teachers' logins"), Cap.TEACHERS_PASSWORD_RESET),
    ("programs:list", _("Programs"), Cap.REPORTS_VIEW),
    ("review:school", _("Completion list"), Cap.COMPLETION_SUBMIT),
    ("review:home", _("Completion review"), Cap.COMPLETION_REVIEW),
    ("review:province", _("Completion approval"), Cap.COMPLETION_APPROVE),
    ("review:mine", _("My completion review"), Cap.HOURS_DECLARE),  # every teacher holds hours.declare
    ("accounts:account_list", _("Accounts"), Cap.ACCOUNTS_MANAGE),
    ("accounts:audit_log", _("Audit log"), Cap.AUDIT_VIEW),
    ("certificates:list", _("Certificates"), Cap.CERTIFICATES_VIEW),
    ("certificates:partner", _("Partner certificates"), Cap.CERTIFICATES_ISSUE_PARTNER),
    ("monitoring:my_progress", _("My progress"), Cap.HOURS_DECLARE),
    ("ledger:my_hours", _("My hours"), Cap.HOURS_DECLARE),
    ("ledger:declaration_queue", _("Hours declarations"), Cap.HOURS_APPROVE),
    ("learning:catalogue", _("Course catalogue"), Cap.COURSES_SELECT),
    ("playback:my-lessons", _("My lessons"), Cap.COURSES_SELECT),
    ("learning:institution_courses", _("My courses"), Cap.COURSES_MANAGE),
    ("learning:contracts", _("Institution contracts"), Cap.CONTRACTS_MANAGE),
    ("learning:selection_status", _("Course selection"), Cap.LEARNING_MONITOR),
    ("learning:monitor", _("Online learning"), Cap.LEARNING_MONITOR),
    ("diagnostics:home", _("Diagnostic test"), Cap.TEACHERS_VIEW),
    ("practice:home", _("School-based practice"), Cap.PRACTICE_VIEW),
    ("practice:checks_overview", _("Practice overview"), Cap.REPORTS_VIEW),
    ("practice:checks_spot_list", _("Spot checks"), Cap.PRACTICE_SPOT_CHECK),
    ("practice:checks_review_list", _("My spot checks"), Cap.PRACTICE_SPOT_REVIEW),
    ("practice:checks_similarity_list", _("Similar evidence"), Cap.PRACTICE_ASSESS),
    ("integration:operations", _("Institution integration"), Cap.INTEGRATION_MANAGE),
    ("integration:platforms", _("Training platforms"), Cap.COURSES_SELECT),
    ("integration:institution_courses", _("xAPI activity ids"), Cap.COURSES_MANAGE),
    ("monitoring:evaluators", _("Third-party evaluators"), Cap.EVALUATORS_MANAGE),
    ("passwords:change", _("Change password"), None),
)
MY_RECORD = _("My record")


def _is_active(request, url: str) -> bool:
    return request.path == url or (url != "/" and request.path.startswith(url))


def _role_labels(user) -> list[dict]:
    """Each role of the user with the name of the node it is held at (one query)."""
    from django.db.models import Q
    from django.utils import timezone

    from tisheng.accounts.models import RoleAssignment

    assignments = RoleAssignment.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), user=user,  # ended grants show nothing
    ).select_related("region", "school", "organization")
    return [{"role": Role(a.role).label if a.role in Role.values else a.role, "node": a.node}
            for a in assignments.order_by("id")]


def _own_teacher_url(user) -> str | None:
    from tisheng.people.selectors import own_teacher

    teacher = own_teacher(user)
    return reverse("people:teacher_detail", args=[teacher.pk]) if teacher else None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    items = []
    for name, label, cap in NAV_ITEMS:
        if cap is not None and not has_capability(user, cap):
            continue
        # Teachers see their own record, not a list.
        if name == "people:teacher_list" and all(g.self_only for g in grants):
            continue
        url = reverse(name)
        items.append({"url": url, "label": label, "active": _is_active(request, url)})
    # Anyone holding the teacher role gets a link to their own record ("我的信息").
    if any(g.role == Role.TEACHER for g in grants):
        url = _own_teacher_url(user)
        if url:
            items.insert(1, {"url": url, "label": MY_RECORD, "active": request.path == url})
    # Nested entries (/monitoring/ and /monitoring/warning/): only the deepest match is current.
    deepest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for i in items:
        i["active"] = i["active"] and len(i["url"]) == deepest
    return {
        "nav_items": items,
        "user_roles": grants,
        "user_role_labels": SimpleLazyObject(lambda: _role_labels(user)),
    }
