"""Signing in with the identity platform's subject, and the links that make it a tisheng account.

The rule: a platform subject signs in only as the tisheng account it is linked to. The first
time, the link is made by a verified attribute the platform sends (settings LINK_BY: the national
ID, compared through its keyed hash and never stored; or tisheng's own teacher id that the
platform got from tisheng), or, when nothing matches, by the person proving their tisheng
password on the link page (the password login's lockout, throttle and audit apply, it is the same
`password_login`). Nothing here ever creates an account: an unmatched subject gets a page that
says so. Offices, experts and evaluators keep the password login.

Cost of a sign-in of a linked subject: one SELECT of the link with its user, one UPDATE of
last_login_at, one audit INSERT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.federation.models import IdentityLink, LinkedVia
from tisheng.accounts.lockout import ACCOUNT_INACTIVE, find_user_by_login, password_login
from tisheng.accounts.models import AuditAction, User
from tisheng.accounts.services import audit
from tisheng.core import idcard

ALREADY_LINKED = _("Your tisheng account is already linked to another identity on the platform. Ask the "
                   "security administrator to remove the old link first.")
SUBJECT_TAKEN = _("This platform identity is already linked to a tisheng account.")
NOT_A_TEACHER = _("Only teachers link a platform identity to a tisheng account; offices, experts and evaluators "
                  "use the password login.")


@dataclass(frozen=True)
class Identity:
    """What the platform said about the person, after tisheng checked it (id_token or ticket)."""

    protocol: str
    issuer: str
    subject: str
    attributes: dict


class SignInRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _user_by_national_id(value: str) -> User | None:
    number = idcard.normalize(value)
    return find_user_by_login(number) if idcard.is_valid(number) else None


# The verified attributes an identity can be linked by (settings' LINK_BY), each a function from
# the attribute's value to the account it names or None. Apps above accounts add their own in
# their AppConfig.ready (integration adds "tisheng_id", tisheng's teacher id towards other
# platforms) rather than being imported from here.
LINK_ATTRIBUTES: dict[str, Callable[[str], User | None]] = {"national_id": _user_by_national_id}


def _user_by_attribute(identity: Identity, link_by: str, claim: str) -> User | None:
    value = identity.attributes.get(claim)
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    find = LINK_ATTRIBUTES.get(link_by)
    return find(value) if find else None


def identity_sign_in(*, identity: Identity, link_by: str, claim: str, ip: str | None) -> User | None:
    """The account this identity signs in as (linking it first when a verified attribute
    matches a teacher's account), or None: the caller then asks for the tisheng password."""
    link = (IdentityLink.objects.select_related("user")
            .filter(issuer=identity.issuer, subject=identity.subject).first())
    if link is None:
        user = _user_by_attribute(identity, link_by, claim)
        if user is None or IdentityLink.objects.filter(user=user, issuer=identity.issuer).exists():
            audit(actor=None, action="federation.unmatched", object_type="identity",
                  object_id=identity.subject[:64], ip=ip, protocol=identity.protocol, issuer=identity.issuer)
            return None
        link = _link(user=user, identity=identity, via=LinkedVia.ATTRIBUTE, ip=ip)
    user = link.user
    if not user.is_active:
        audit(action=AuditAction.LOGIN_FAILED, actor=user, object_type="user", object_id=str(user.pk), ip=ip,
              reason="inactive", via=f"federation_{identity.protocol}")
        raise SignInRefused(ACCOUNT_INACTIVE)
    IdentityLink.objects.filter(pk=link.pk).update(last_login_at=timezone.now())
    audit(action=AuditAction.LOGIN, actor=user, object_type="user", object_id=str(user.pk), ip=ip,
          via=f"federation_{identity.protocol}")
    return user


def _link(*, user: User, identity: Identity, via: str, ip: str | None) -> IdentityLink:
    try:
        with transaction.atomic():
            link = IdentityLink.objects.create(user=user, protocol=identity.protocol, issuer=identity.issuer,
                                               subject=identity.subject, linked_via=via)
    except IntegrityError as e:
        taken = IdentityLink.objects.filter(issuer=identity.issuer, subject=identity.subject).exists()
        raise SignInRefused(SUBJECT_TAKEN if taken else ALREADY_LINKED) from e
    audit(actor=user, action="federation.link", obj=link, scope_path=_scope(user), ip=ip,
          protocol=identity.protocol, via=via)
    return link


def _scope(user: User) -> str:
    teacher = getattr(user, "teacher", None)
    return teacher.org_path if teacher is not None else ""


def identity_link_by_password(*, identity: Identity, login: str, password: str, ip: str | None) -> User:
    """The link page: the person proves a tisheng account is theirs with its password (the
    password login's lockout and audit apply; LoginRefused when wrong), then the identity is
    linked to it and signs in. Only teachers' accounts are linked."""
    user = password_login(login=login, password=password, ip=ip, via=f"federation_link_{identity.protocol}")
    if getattr(user, "teacher", None) is None:
        raise SignInRefused(NOT_A_TEACHER)
    if IdentityLink.objects.filter(user=user, issuer=identity.issuer).exists():
        raise SignInRefused(ALREADY_LINKED)
    _link(user=user, identity=identity, via=LinkedVia.PASSWORD, ip=ip)
    IdentityLink.objects.filter(issuer=identity.issuer, subject=identity.subject).update(
        last_login_at=timezone.now())
    return user


def identity_link_remove(*, actor: User, link: IdentityLink, ip: str | None = None) -> None:
    """A security admin removes a link (the caller has checked the account is in their scope):
    the platform identity no longer signs in until it is linked again."""
    with transaction.atomic():
        audit(actor=actor, action="federation.unlink", obj=link, scope_path=_scope(link.user), ip=ip,
              user=link.user_id, protocol=link.protocol)
        link.delete()
