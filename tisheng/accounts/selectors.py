from django.db.models import QuerySet

from tisheng.accounts.models import AuditLog
from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import capability_paths, path_q


def audit_log_list(actor, *, action: str | None = None) -> QuerySet[AuditLog]:
    """Audit entries the actor may read: those recorded within their subtree. An audit
    admin at the province also sees entries with no org node (logins, account changes)."""
    roots = capability_paths(actor, Cap.AUDIT_VIEW)
    q = path_q("scope_path", roots)
    if any("/" not in r for r in roots):  # a province-level grant covers node-less entries
        from django.db.models import Q

        q |= Q(scope_path="")
    qs = AuditLog.objects.filter(q)
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-at", "-id")
