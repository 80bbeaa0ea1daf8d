"""Writes for accounts: users, role assignments, the audit log, login bookkeeping."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tisheng.accounts.middleware import SESSION_KEY as LAST_SEEN_KEY
from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment, User
from tisheng.accounts.roles import ROLE_NODE_KINDS, Role
from tisheng.orgs.models import Organization, Region, School
from tisheng.orgs.scope import forget_grants

ROLE_NOT_ALLOWED_AT_NODE = "role_not_allowed_at_node"
EVALUATOR_NEEDS_OWN_ACCOUNT = gettext_lazy(
    "An evaluator needs an account of their own, created for the evaluation: this account holds other roles or "
    "is a teacher's, and with the evaluator role it would read other teachers' records.")
EVALUATOR_ACCOUNT_ONLY = gettext_lazy("This is a third-party evaluator's account: it can hold the evaluator role only.")


def audit(
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    scope_path: str = "",
    ip: str | None = None,
    **detail: Any,
) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
        scope_path = scope_path or getattr(obj, getattr(obj, "scope_path_field", "path"), "") or ""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.name if actor is not None and actor.pk else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        scope_path=scope_path,
        ip=ip,
        detail=detail,
    )


def node_kind(node: Region | School | Organization) -> str:
    if isinstance(node, Region):
        return node.level
    if isinstance(node, School):
        return "school"
    return node.kind


def find_node(code: str) -> Region | School | Organization | None:
    """An org node by its code: a division code, a school code or an organization code."""
    return (
        Region.objects.filter(code=code).first()
        or School.objects.filter(code=code).first()
        or Organization.objects.filter(code=code).first()
    )


def evaluator_only(user: User) -> bool:
    """Whether an account may serve a third-party evaluator: it holds no role but evaluator
    and is no teacher's (teachers' accounts come with a teacher profile)."""
    return not (RoleAssignment.objects.filter(user=user).exclude(role=Role.EVALUATOR).exists()
                or User.objects.filter(pk=user.pk, teacher__isnull=False).exists())


def check_role_fits_account(user: User, role: str) -> None:
    """Evaluators' accounts and everyone else's stay apart, whoever grants the role."""
    if role == Role.EVALUATOR and not evaluator_only(user):
        raise ValidationError(EVALUATOR_NEEDS_OWN_ACCOUNT, code="evaluator_needs_own_account")
    if role != Role.EVALUATOR and (user.evaluator_organization_id is not None
                                   or RoleAssignment.objects.filter(user=user, role=Role.EVALUATOR).exists()):
        raise ValidationError(EVALUATOR_ACCOUNT_ONLY, code="evaluator_account_only")


@transaction.atomic
def role_assign(*, actor: User | None, user: User, role: str, node: Region | School | Organization,
                ip: str | None = None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    if node_kind(node) not in ROLE_NODE_KINDS[role]:
        raise ValidationError(
            _("The role %(role)s cannot be assigned at %(node)s.") % {"role": Role(role).label, "node": node},
            code=ROLE_NOT_ALLOWED_AT_NODE,
        )
    check_role_fits_account(user, role)
    field = {"school": "school"}.get(node_kind(node)) or ("organization" if isinstance(node, Organization) else "region")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, **{field: node}, defaults={"granted_by": actor}
    )
    if created:
        audit(actor=actor, action=AuditAction.ROLE_GRANTED, object_type="user", object_id=str(user.pk),
              scope_path=node.path, ip=ip, role=role, node=getattr(node, "code", ""))
    forget_grants(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment, ip: str | None = None) -> None:
    node = assignment.node
    assignment.delete()
    audit(actor=actor, action=AuditAction.ROLE_REVOKED, object_type="user", object_id=str(assignment.user_id),
          scope_path=node.path, ip=ip, role=assignment.role, node=getattr(node, "code", ""))
    forget_grants(assignment.user)


@transaction.atomic
def user_create(*, actor: User | None, phone: str, name: str, password: str, role: str | None = None,
                node: Region | School | Organization | None = None) -> User:
    """A user who logs in by phone, optionally with a first role. The password must pass
    the complexity rules; a phone may belong to one user only."""
    if User.objects.filter(phone=phone).exists():
        raise ValidationError(_("A user with phone %(phone)s already exists.") % {"phone": phone})
    user = User(phone=phone, name=name)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit(actor=actor, action=AuditAction.USER_CREATED, object_type="user", object_id=str(user.pk),
          scope_path=node.path if node is not None else "")
    if role:
        role_assign(actor=actor, user=user, role=role, node=node)
    return user


def session_keepalive(session_key: str, user_id: int) -> bool:
    """Keep the login session `session_key` of `user_id` alive for activity that does not load
    it (the player's heartbeats). False when that session has ended: logged out, expired, idle
    for longer than IDLE_TIMEOUT_MINUTES, another user's, or invalidated by a password change."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if str(store.get(AUTH_SESSION_KEY, "")) != str(user_id):
        return False
    now = int(timezone.now().timestamp())
    last = store.get(LAST_SEEN_KEY)
    if last is not None and now - last > settings.IDLE_TIMEOUT_MINUTES * 60:
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return False
    store[LAST_SEEN_KEY] = now
    store.set_expiry(settings.IDLE_TIMEOUT_MINUTES * 60)
    store.save()
    return True
