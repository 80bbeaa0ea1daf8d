"""Third-party evaluators (第三方评估机构): a province, city or county office grants a user the
read-only evaluator role over a node of its own scope until an end date, and may revoke it.
The grant ends by itself: `grants_for` ignores an assignment whose `expires_at` has passed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import AuditAction, RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit, find_node, role_revoke
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import capability_paths, forget_grants, path_in_scope, path_q

CAPABILITY = Cap.EVALUATORS_MANAGE
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The longest grant an office may give in one go.
MAX_DAYS = 366

NO_SUCH_USER = _("No user has this phone number. The security administrator creates accounts.")
NO_SUCH_NODE = _("No region or school in your area has this code.")
END_DATE_IN_PAST = _("The end date must be today or later.")
END_DATE_TOO_FAR = _("A grant lasts at most one year; grant it again when it ends.")


def end_of_day(day: dt.date) -> dt.datetime:
    """The moment a grant "until `day`" ends: midnight after that day, Beijing time."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def evaluator_list(actor: User) -> QuerySet[RoleAssignment]:
    """Evaluator grants at nodes in the actor's scope, current and ended."""
    roots = capability_paths(actor, CAPABILITY)
    qs = RoleAssignment.objects.filter(role=Role.EVALUATOR).filter(
        path_q("region__path", roots) | path_q("school__path", roots))
    return qs.select_related("user", "region", "school", "granted_by").order_by("-granted_at", "-pk")


def get_evaluator_grant_for_user(actor: User, pk: int) -> RoleAssignment:
    found = evaluator_list(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic
def evaluator_grant(*, actor: User, phone: str, node_code: str, until: dt.date,
                    ip: str | None = None) -> RoleAssignment:
    """Grant (or extend) the evaluator role over a node of the actor's scope until `until`."""
    user = User.objects.filter(phone=phone.strip(), is_active=True).first() if phone.strip() else None
    if user is None:
        raise ValidationError(NO_SUCH_USER, code="no_such_user")
    node = find_node(node_code.strip()) if node_code.strip() else None
    if not isinstance(node, Region | School) or not path_in_scope(actor, CAPABILITY, node.path):
        raise ValidationError(NO_SUCH_NODE, code="no_such_node")
    if until < today():
        raise ValidationError(END_DATE_IN_PAST, code="end_date_in_past")
    if until > today() + dt.timedelta(days=MAX_DAYS):
        raise ValidationError(END_DATE_TOO_FAR, code="end_date_too_far")
    field = "school" if isinstance(node, School) else "region"
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=Role.EVALUATOR, **{field: node},
        defaults={"granted_by": actor, "expires_at": end_of_day(until)})
    if not created:
        assignment.expires_at = end_of_day(until)
        assignment.granted_by = actor
        assignment.granted_at = timezone.now()
        assignment.save(update_fields=["expires_at", "granted_by", "granted_at"])
    audit(actor=actor, action=AuditAction.ROLE_GRANTED, object_type="user", object_id=str(user.pk),
          scope_path=node.path, ip=ip, role=Role.EVALUATOR, node=node.code, until=until.isoformat(),
          extended=not created)
    forget_grants(user)
    return assignment


def evaluator_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    """End a grant now (audited by role_revoke)."""
    if assignment.role != Role.EVALUATOR or assignment.node is None or not path_in_scope(
            actor, CAPABILITY, assignment.node.path):
        raise Http404
    role_revoke(actor=actor, assignment=assignment)


def is_evaluator(user: User) -> bool:
    """Whether the user holds a current evaluator grant (loads their grants once per request)."""
    from tisheng.orgs.scope import grants_for

    return any(g.role == Role.EVALUATOR for g in grants_for(user))



def evaluators_seed_demo() -> str:
    """The demo's third-party evaluator (13800000009) holds a grant over the province that ends in
    90 days, given by the province office through the same service the page uses (audited)."""
    office = User.objects.filter(phone="13800000001").first()
    evaluator = User.objects.filter(phone="13800000009").first()
    if office is None or evaluator is None:
        return "no demo accounts"
    assignment = evaluator_grant(actor=office, phone=evaluator.phone, node_code="35",
                                 until=today() + dt.timedelta(days=90))
    return f"{evaluator.name} until {(assignment.expires_at - dt.timedelta(seconds=1)).date().isoformat()}"
