from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import grants_for, has_capability

# (url name, label, capability needed; None = every signed-in user)
NAV_ITEMS = (
    ("home", _("Home"), None),
    ("orgs:tree", _("Org tree"), Cap.ORGS_VIEW),
    ("people:teacher_list", _("Teachers"), Cap.TEACHERS_VIEW),
    ("people:roster_import", _("Roster import"), Cap.ROSTER_IMPORT),
    ("accounts:audit_log", _("Audit log"), Cap.AUDIT_VIEW),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, cap in NAV_ITEMS:
        if cap is not None and not has_capability(user, cap):
            continue
        # Teachers see their own record, not a list.
        if name == "people:teacher_list" and all(g.self_only for g in grants_for(user)):
            continue
        items.append({"url": reverse(name), "label": label, "active": request.path == reverse(name)})
    return {"nav_items": items, "user_roles": grants_for(user)}
