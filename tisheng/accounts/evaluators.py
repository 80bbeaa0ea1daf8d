"""Third-party evaluators (第三方评估机构): a province, city or county office grants a user the
read-only evaluator role over a node of its own scope until an end date, and may revoke it.
The grant ends by itself: `grants_for` ignores an assignment whose `expires_at` has passed.

An evaluator's account belongs to an evaluator organisation and is made for the purpose: the
grant creates it (name, phone, organisation; a one-time password the office hands over), or
takes an existing account that holds no other role and is no teacher's. A teacher or an office
account never becomes an evaluator, so nobody reads their colleagues' records as one."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from zoneinfo import ZoneInfo

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import AuditAction, EvaluatorOrganization, RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import (
    EVALUATOR_NEEDS_OWN_ACCOUNT,
    audit,
    check_role_fits_account,
    find_node,
    role_revoke,
)
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import capability_paths, forget_grants, path_in_scope, path_q

CAPABILITY = Cap.EVALUATORS_MANAGE
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The longest grant an office may give in one go.
MAX_DAYS = 366

NO_SUCH_USER = _("No account has this phone number: give the evaluator's name and organisation to create one.")
PHONE_INVALID = _("Enter the evaluator's mobile phone number (11 digits).")
ORGANIZATION_REQUIRED = _("Give the evaluator organisation the account belongs to.")
OTHER_ORGANIZATION = _("This evaluator's account belongs to another evaluator organisation: %(organization)s.")
ACCOUNT_DISABLED = _("This account is disabled.")
NOT_AN_EVALUATOR_ACCOUNT = EVALUATOR_NEEDS_OWN_ACCOUNT
_PHONE = re.compile(r"^1\d{10}$")
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
    return qs.select_related("user__evaluator_organization", "region", "school", "granted_by").order_by(
        "-granted_at", "-pk")


def get_evaluator_grant_for_user(actor: User, pk: int) -> RoleAssignment:
    found = evaluator_list(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def initial_password() -> str:
    """16 random characters of four kinds (the complexity rules); shown once to the office."""
    alphabet = string.ascii_letters + string.digits + "-_!@#"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(16))
        if all(any(c in kind for c in candidate) for kind in (string.ascii_lowercase, string.ascii_uppercase,
                                                               string.digits, "-_!@#")):
            return candidate


def _evaluator_account(*, actor: User, phone: str, name: str, organization: str,
                       ip: str | None) -> tuple[User, str | None]:
    """The evaluator's account for this phone: an existing evaluator-only account (attached to
    `organization` if it was attached to none), or a new one with a one-time password."""
    user = User.objects.filter(phone=phone).first() if phone else None
    if user is None:
        if not _PHONE.match(phone):
            raise ValidationError(PHONE_INVALID, code="phone_invalid")
        if not name:
            raise ValidationError(NO_SUCH_USER, code="no_such_user")
        if not organization:
            raise ValidationError(ORGANIZATION_REQUIRED, code="organization_required")
    elif not user.is_active:
        raise ValidationError(ACCOUNT_DISABLED, code="account_disabled")
    else:
        check_role_fits_account(user, Role.EVALUATOR)
    org = None
    if organization:
        org, _created = EvaluatorOrganization.objects.get_or_create(name=organization[:128],
                                                                    defaults={"created_by": actor})
    if user is not None:
        if user.evaluator_organization_id is None:
            if org is None:
                raise ValidationError(ORGANIZATION_REQUIRED, code="organization_required")
            user.evaluator_organization = org
            user.save(update_fields=["evaluator_organization"])
        elif org is not None and org.pk != user.evaluator_organization_id:
            raise ValidationError(OTHER_ORGANIZATION, code="other_organization",
                                  params={"organization": user.evaluator_organization.name})
        return user, None
    password = initial_password()
    user = User(phone=phone, name=name[:64], evaluator_organization=org, must_change_password=True)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit(actor=actor, action=AuditAction.USER_CREATED, object_type="user", object_id=str(user.pk), ip=ip,
          evaluator_organization=org.name)
    return user, password


@transaction.atomic
def evaluator_grant(*, actor: User, phone: str, node_code: str, until: dt.date, name: str = "",
                    organization: str = "", ip: str | None = None) -> RoleAssignment:
    """Grant (or extend) the evaluator role over a node of the actor's scope until `until`.

    The account is the evaluator-only account with this phone, or a new one for `name` at the
    evaluator organisation `organization` (created if new); then `initial_password` on the
    returned assignment is its one-time password, to be shown once (else None)."""
    phone, name, organization = phone.strip(), name.strip(), organization.strip()
    node = find_node(node_code.strip()) if node_code.strip() else None
    if not isinstance(node, Region | School) or not path_in_scope(actor, CAPABILITY, node.path):
        raise ValidationError(NO_SUCH_NODE, code="no_such_node")
    if until < today():
        raise ValidationError(END_DATE_IN_PAST, code="end_date_in_past")
    if until > today() + dt.timedelta(days=MAX_DAYS):
        raise ValidationError(END_DATE_TOO_FAR, code="end_date_too_far")
    user, password = _evaluator_account(actor=actor, phone=phone, name=name, organization=organization, ip=ip)
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
          extended=not created, evaluator_organization=user.evaluator_organization.name)
    forget_grants(user)
    assignment.initial_password = password
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



DEMO_ORGANIZATION = "福建省教育评估研究中心（演示）"


def evaluators_seed_demo() -> str:
    """The demo's third-party evaluator (13800000009), of the demo evaluator organisation, holds
    a grant over the province that ends in 90 days, given by the province office through the
    same service the page uses (audited)."""
    office = User.objects.filter(phone="13800000001").first()
    evaluator = User.objects.filter(phone="13800000009").first()
    if office is None or evaluator is None:
        return "no demo accounts"
    assignment = evaluator_grant(actor=office, phone=evaluator.phone, node_code="35",
                                 until=today() + dt.timedelta(days=90), organization=DEMO_ORGANIZATION)
    return f"{evaluator.name} until {(assignment.expires_at - dt.timedelta(seconds=1)).date().isoformat()}"
