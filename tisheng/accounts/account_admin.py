"""The security administrator's (安全管理员) account management: find accounts, create office
and school accounts, grant a role at an org node and end one, unlock a locked account,
deactivate and reactivate. Every write is audited (who, whom, what, from where).

Scope. The security admin holds `accounts.manage` over a subtree (today the province). An
account is *visible* when one of its role assignments lies in that subtree, and *manageable*
when all of them do (a future city-level security admin then sees and manages the accounts of
its city, and an account that also holds a role elsewhere is shown but left to the level
above). An account with no role at all belongs to nobody's subtree: only a province-level
grant sees it. The province case is `User.objects` itself; a narrower scope is one EXISTS
over the assignments with one indexed prefix match per root.

Separation of duties (等保三级). The page grants business roles only: the office, school,
teacher-college and institution roles. Security and audit administrators are made with the
command line (`tisheng user add`), never from this page, and their accounts are not changed
here: a security admin who could disable or unlock the audit admin would control the one who
watches them. Nobody changes their own account here, nor grants a role at a node outside
their scope (that is, above their own). Teachers come from the roster and evaluators from
the offices' evaluator page, each with the profile or the end date those roles need.

Cost: the list is one COUNT, one page of users, one query for their roles and one for their
locks, whatever the page size."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.evaluators import initial_password
from tisheng.accounts.lockout import account_unlock as lockout_unlock
from tisheng.accounts.lockout import find_user_by_login
from tisheng.accounts.models import AuditAction, LoginThrottle, RoleAssignment, User
from tisheng.accounts.roles import ROLE_NODE_KINDS, Cap, Role
from tisheng.accounts.services import audit, find_node, node_kind, role_assign, role_revoke
from tisheng.accounts.sessions import sessions_end
from tisheng.core import idcard
from tisheng.orgs.models import Organization, Region, School
from tisheng.orgs.scope import capability_paths, forget_grants, path_q

CAPABILITY = Cap.ACCOUNTS_MANAGE

# Audit actions of this page (AuditLog.action is free text beside AuditAction's choices).
ACCOUNT_UNLOCKED = "account_unlocked"
ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_REACTIVATED = "account_reactivated"
PASSWORD_RESET_BY_SECURITY = "password_reset_by_security_admin"

# The roles this page grants, in the order the form lists them.
GRANTABLE_ROLES: tuple[str, ...] = (
    Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.SCHOOL_ADMIN, Role.SCHOOL_ASSESSOR,
    Role.TEACHER_COLLEGE, Role.INSTITUTION,
)
# Roles whose holders this page leaves alone (separation of duties).
PRIVILEGED_ROLES = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

PHONE_INVALID = _("Enter an 11-digit mobile phone number.")
PHONE_TAKEN = _("Another account already uses this phone number.")
NAME_REQUIRED = _("Enter the person's name.")
ROLE_NOT_GRANTABLE = _("This role is not granted here: teachers come from the roster, evaluators from the "
                       "offices' evaluator page, and security and audit administrators from the command line.")
NODE_NOT_FOUND = _("No unit in your area has this code or name. Pick one from the list or search for the school.")
NODE_AMBIGUOUS = _("Several units have this name: enter the unit's code.")
NODE_WRONG_KIND = _("%(role)s is held at %(kinds)s, not at %(node)s.")
ROLE_HELD = _("The account already holds this role at this unit.")
OWN_ACCOUNT = _("You cannot change your own account or grant yourself a role.")
PRIVILEGED_ACCOUNT = _("Security and audit administrators' accounts are managed from the command line, "
                       "not from this page.")
OUTSIDE_SCOPE = _("This account also holds roles outside your area: the administrator above you manages it.")
NOT_LOCKED = _("This account is not locked.")
ALREADY_INACTIVE = _("This account is already deactivated.")
ALREADY_ACTIVE = _("This account is already active.")
TEACHER_PASSWORD_BY_SCHOOL = _("A teacher's password is reset by their school (or by the teacher with an SMS code).")

_PHONE = re.compile(r"^1\d{10}$")

NODE_KIND_LABELS = {
    "province": _("the province"), "city": _("a city"), "county": _("a county"), "school": _("a school"),
    "teacher_college": _("a teacher college"), "institution": _("a training institution"),
}


def manage_roots(actor: User) -> list[str]:
    return capability_paths(actor, CAPABILITY)


def _province_wide(roots: list[str]) -> bool:
    return any("/" not in r for r in roots)


def _assignment_in(roots: list[str]) -> Q:
    """A role assignment whose node lies in one of the subtrees."""
    return path_q("region__path", roots) | path_q("school__path", roots) | path_q("organization__path", roots)


def account_list(actor: User, *, q: str = "", role: str = "", node: Region | School | Organization | None = None,
                 status: str = "") -> QuerySet[User]:
    """Accounts the actor sees, newest first, with their roles prefetched. `q` is a name (or its
    start), a phone number (or its start) or a full national ID (a teacher's login)."""
    roots = manage_roots(actor)
    if not roots:
        return User.objects.none()
    qs = User.objects.all()
    if not _province_wide(roots):
        qs = qs.filter(Exists(RoleAssignment.objects.filter(_assignment_in(roots), user=OuterRef("pk"))))
    q = q.strip()[:64]
    if q:
        if idcard.is_valid(idcard.normalize(q)):
            found = find_user_by_login(q)
            qs = qs.filter(pk=found.pk if found else None)
        elif q.isdigit():
            qs = qs.filter(phone__startswith=q)
        else:
            qs = qs.filter(name__contains=q)
    if role or node is not None:
        held = RoleAssignment.objects.filter(user=OuterRef("pk"))
        if role:
            held = held.filter(role=role)
        if node is not None:
            held = held.filter(_assignment_in([node.path]))
        qs = qs.filter(Exists(held))
    if status == "inactive":
        qs = qs.filter(is_active=False)
    elif status == "active":
        qs = qs.filter(is_active=True)
    elif status == "locked":
        qs = qs.filter(pk__in=locked_account_ids())
    return qs.prefetch_related(Prefetch(
        "role_assignments", queryset=RoleAssignment.objects.select_related("region", "school", "organization")
        .order_by("pk"))).order_by("-pk")  # newest first, on the primary key's index


def locked_account_ids(user_ids: list[int] | None = None) -> dict[int, int]:
    """{user id: epoch second the lock ends} of accounts locked now (one query)."""
    now = int(time.time())
    rows = LoginThrottle.objects.filter(locked_until__gt=now)
    if user_ids is not None:
        rows = rows.filter(key__in=[f"account:{pk}" for pk in user_ids])
    else:
        rows = rows.filter(key__startswith="account:")
    return {int(key.split(":", 1)[1]): until for key, until in rows.values_list("key", "locked_until")}


@dataclass(frozen=True)
class AccountPermission:
    manageable: bool
    reason: str = ""


def account_permission(actor: User, user: User) -> AccountPermission:
    """Whether the actor may change this (visible) account, and if not, why (shown on the page)."""
    if user.pk == actor.pk:
        return AccountPermission(False, str(OWN_ACCOUNT))
    assignments = list(user.role_assignments.all())
    if any(a.role in PRIVILEGED_ROLES for a in assignments):
        return AccountPermission(False, str(PRIVILEGED_ACCOUNT))
    roots = manage_roots(actor)
    if not _province_wide(roots):
        paths = [a.node.path for a in assignments]
        if not paths or not all(any(p == r or p.startswith(r + "/") for r in roots) for p in paths):
            return AccountPermission(False, str(OUTSIDE_SCOPE))
    return AccountPermission(True)


def get_account_for_user(actor: User, pk: int) -> User:
    """One account the actor sees; 404 otherwise (the same answer as "no such account")."""
    user = account_list(actor).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def _check_manageable(actor: User, user: User) -> None:
    permission = account_permission(actor, user)
    if not permission.manageable:
        raise ValidationError(permission.reason, code="not_manageable")


def resolve_node(actor: User, text: str) -> Region | School | Organization:
    """The org node a code or an exact name means, within the actor's scope."""
    text = text.strip()[:128]
    # A datalist entry reads "code · name"; take the code.
    text = text.split(" · ", 1)[0].strip()
    roots = manage_roots(actor)
    found = find_node(text) if text else None
    if found is not None:
        candidates = [found]
    else:
        candidates = [*Region.objects.filter(path_q("path", roots), name=text)[:2],
                      *School.objects.filter(path_q("path", roots), name=text)[:2],
                      *Organization.objects.filter(path_q("path", roots), name=text)[:2]]
    candidates = [n for n in candidates if any(n.path == r or n.path.startswith(r + "/") for r in roots)]
    if not candidates:
        raise ValidationError(NODE_NOT_FOUND, code="node_not_found")
    if len(candidates) > 1:
        raise ValidationError(NODE_AMBIGUOUS, code="node_ambiguous")
    return candidates[0]


def _check_grant(actor: User, role: str, node: Region | School | Organization) -> None:
    if role not in GRANTABLE_ROLES:
        raise ValidationError(ROLE_NOT_GRANTABLE, code="role_not_grantable")
    if node_kind(node) not in ROLE_NODE_KINDS[role]:
        kinds = "、".join(str(NODE_KIND_LABELS[k]) for k in sorted(ROLE_NODE_KINDS[role]))
        raise ValidationError(NODE_WRONG_KIND, code="node_wrong_kind",
                              params={"role": Role(role).label, "kinds": kinds, "node": node.name})
    roots = manage_roots(actor)
    if not any(node.path == r or node.path.startswith(r + "/") for r in roots):
        raise ValidationError(NODE_NOT_FOUND, code="node_not_found")


@dataclass
class CreatedAccount:
    user: User
    password: str  # the one-time password, shown once to the security admin


@transaction.atomic
def account_create(*, actor: User, name: str, phone: str, role: str, node_text: str,
                   ip: str | None = None) -> CreatedAccount:
    """A new account with a first role and a one-time password it must change at first login."""
    name, phone = name.strip()[:64], phone.strip()
    errors: dict[str, list[ValidationError]] = {}
    if not name:
        errors.setdefault("name", []).append(ValidationError(NAME_REQUIRED, code="name_required"))
    if not _PHONE.match(phone):
        errors.setdefault("phone", []).append(ValidationError(PHONE_INVALID, code="phone_invalid"))
    elif User.objects.filter(phone=phone).exists():
        errors.setdefault("phone", []).append(ValidationError(PHONE_TAKEN, code="phone_taken"))
    node = None
    try:
        node = resolve_node(actor, node_text)
        _check_grant(actor, role, node)
    except ValidationError as exc:
        errors.setdefault("role" if exc.code == "role_not_grantable" else "node", []).append(exc)
    if errors:
        raise ValidationError(errors)
    password = initial_password()
    user = User(phone=phone, name=name, must_change_password=True)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit(actor=actor, action=AuditAction.USER_CREATED, object_type="user", object_id=str(user.pk), scope_path=node.path,
          ip=ip, role=role, node=node.code)
    role_assign(actor=actor, user=user, role=role, node=node, ip=ip)
    return CreatedAccount(user=user, password=password)


@transaction.atomic
def account_role_grant(*, actor: User, user: User, role: str, node_text: str, ip: str | None = None) -> RoleAssignment:
    _check_manageable(actor, user)
    node = resolve_node(actor, node_text)
    _check_grant(actor, role, node)
    field = "school" if isinstance(node, School) else "organization" if isinstance(node, Organization) else "region"
    if RoleAssignment.objects.filter(user=user, role=role, **{field: node}).exists():
        raise ValidationError(ROLE_HELD, code="role_held")
    return role_assign(actor=actor, user=user, role=role, node=node, ip=ip)


@transaction.atomic
def account_role_end(*, actor: User, user: User, assignment_pk: int, ip: str | None = None) -> RoleAssignment:
    """End one of the account's roles now. The assignment row goes (every reader of roles
    treats an existing row as current); the audit log keeps who held what, until when, and
    who ended it."""
    _check_manageable(actor, user)
    assignment = user.role_assignments.select_related("region", "school", "organization").filter(
        pk=assignment_pk).first()
    if assignment is None:
        raise Http404
    if assignment.role not in GRANTABLE_ROLES:
        raise ValidationError(ROLE_NOT_GRANTABLE, code="role_not_grantable")
    role_revoke(actor=actor, assignment=assignment, ip=ip)
    return assignment


@transaction.atomic
def account_unlock(*, actor: User, user: User, ip: str | None = None) -> None:
    """Lift a login lock now (the failed logins that caused it are forgotten too)."""
    _check_manageable(actor, user)
    deleted, _rows = LoginThrottle.objects.filter(key=f"account:{user.pk}", locked_until__gt=int(time.time())).delete()
    if not deleted:
        raise ValidationError(NOT_LOCKED, code="not_locked")
    audit(actor=actor, action=ACCOUNT_UNLOCKED, object_type="user", object_id=str(user.pk), ip=ip)


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool, ip: str | None = None) -> None:
    """Deactivate (the person is logged out at their next request and cannot log in) or
    reactivate an account. Roles are kept, so a reactivated account works as before."""
    _check_manageable(actor, user)
    if user.is_active == active:
        raise ValidationError(ALREADY_ACTIVE if active else ALREADY_INACTIVE, code="unchanged")
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    forget_grants(user)
    ended = 0 if active else sessions_end(user)
    audit(actor=actor, action=ACCOUNT_REACTIVATED if active else ACCOUNT_DEACTIVATED, object_type="user",
          object_id=str(user.pk), ip=ip, **({} if active else {"sessions_ended": ended}))


@transaction.atomic
def account_password_reset(*, actor: User, user: User, ip: str | None = None) -> str:
    """A one-time password for an office or school account whose holder forgot theirs (and has
    no phone for the SMS reset, or is locked out of it): shown once to the security admin, to be
    changed at the next login; the lock is lifted and every session of the account ends.
    Teachers' passwords are reset by their school, not here (the account list shows them so a
    locked teacher can be unlocked)."""
    _check_manageable(actor, user)
    if not user.is_active:
        raise ValidationError(ALREADY_INACTIVE, code="inactive")
    if not user.role_assignments.exclude(role=Role.TEACHER).exists():
        raise ValidationError(TEACHER_PASSWORD_BY_SCHOOL, code="teacher_account")
    password = initial_password()
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    lockout_unlock(user)
    ended = sessions_end(user)
    audit(actor=actor, action=PASSWORD_RESET_BY_SECURITY, object_type="user", object_id=str(user.pk), ip=ip,
          sessions_ended=ended)
    return password


def node_choices(actor: User) -> list[Region | Organization]:
    """Regions and organisations the actor may grant at, for the form's list (schools, 12,000 of
    them, are found by name or code)."""
    roots = manage_roots(actor)
    regions = list(Region.objects.filter(path_q("path", roots)).order_by("path")[:400])
    orgs = list(Organization.objects.filter(path_q("path", roots)).order_by("kind", "code")[:200])
    return [*regions, *orgs]


def school_search(actor: User, text: str, limit: int = 20) -> list[School]:
    text = text.strip()[:64]
    if not text:
        return []
    qs = School.objects.filter(path_q("path", manage_roots(actor))).select_related("county")
    qs = qs.filter(code__startswith=text) if text.isdigit() else qs.filter(name__contains=text)
    return list(qs.order_by("path")[:limit])


DEMO_NEW_ACCOUNT_PHONE = "13800000013"


def account_admin_seed_demo(school_code: str) -> str:
    """The demo's security admin (13800000010) at work, through the page's own services, so the
    audit admin's log opens on account management: the demo school gets a second assessor
    account (its one-time password is not kept: the demo never logs in with it)."""
    security = User.objects.filter(phone="13800000010").first()
    if security is None or User.objects.filter(phone=DEMO_NEW_ACCOUNT_PHONE).exists():
        return "-"
    created = account_create(actor=security, name="鼓楼第一中心小学教研员", phone=DEMO_NEW_ACCOUNT_PHONE,
                             role=Role.SCHOOL_ASSESSOR, node_text=school_code, ip="10.35.0.10")
    return created.user.name
