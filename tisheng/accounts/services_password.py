"""Passwords: a user changes their own, a forgotten one is reset with an SMS code, a school
administrator resets a teacher's to a temporary one. Every outcome is audited.

The SMS code (also how a teacher imported from the roster, whose account has no password yet,
sets a first one):

    request  phone → a row in PasswordResetCode (always, also for a phone that is no account,
             so limits and answers are the same either way) and, for an account, a 6-digit
             code by SMS, stored only as a keyed hash. Per phone at most one a minute and
             PASSWORD_RESET_CODES_PER_DAY a day; per client network (IPv4 address or IPv6 /64)
             PASSWORD_RESET_CODES_PER_NETWORK_HOUR an hour (a school's NAT is many teachers).
    confirm  phone + code + new password → the latest code of that phone, if unused, not
             expired (RESET_CODE_MINUTES) and tried fewer than RESET_CODE_TRIES times; the try
             is counted by one conditional UPDATE before the code is compared, so parallel
             guesses cannot exceed the limit.

A successful reset also lifts the account's login lock: the lock stops someone guessing the
password, and whoever holds the phone on file has just replaced that password, so the lock
protects nothing any more, while keeping it would refuse the teacher the new password for up to
LOGIN_LOCKOUT_MINUTES at exactly the moment they need it. The network throttle stays.

Cost: a request is two or three indexed COUNT/EXISTS queries, an INSERT, an UPDATE of the
phone's earlier codes and the audit row; a confirmation is a SELECT, the counting UPDATE and,
on success, the hasher, the user UPDATE and one DELETE per other session.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.lockout import account_unlock
from tisheng.accounts.models import AuditAction, AuditLog, PasswordResetCode, RoleAssignment, User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import audit
from tisheng.accounts.sessions import sessions_end
from tisheng.core.clientip import client_network
from tisheng.notifications.sms import get_sms_backend

RESET_CODE_MINUTES = 10
RESET_CODE_TRIES = 5
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")

PHONE_INVALID = _("Enter the 11-digit mobile number your account uses.")
CODE_SENT = _("If %(phone)s belongs to an account, a 6-digit code is on its way by SMS. It is valid for "
              "%(minutes)d minutes.")
WAIT_A_MINUTE = _("A code was sent to this number less than a minute ago. Wait a minute before asking again.")
TOO_MANY_TODAY = _("Too many codes were asked for this number today. Try again tomorrow, or ask your school "
                   "administrator to reset your password.")
NETWORK_LIMIT = _("Too many codes were asked from your network in the last hour. Try again later.")
CODE_WRONG = _("The code is wrong or has expired. Check the latest SMS, or ask for a new code.")
CODE_USED_UP = _("This code was tried too many times. Ask for a new code.")
SAME_PASSWORD = _("The new password must differ from the current one.")
SMS_CODE_TEXT = _("[Teacher IT capability project] Your code to set your password is %(code)s, valid for "
                  "%(minutes)d minutes. Do not give it to anyone.")
SMS_TEMPORARY_TEXT = _("[Teacher IT capability project] %(school)s has reset your password. Your temporary "
                       "password is %(password)s; you will set your own when you log in.")
NOT_A_TEACHER_ONLY_ACCOUNT = _("This account holds roles besides teacher (%(roles)s): only the security "
                               "administrator can reset its password.")
NO_ACCOUNT = _("This teacher has no login account yet.")
ACCOUNT_DISABLED = _("This account is disabled.")
TEMPORARY_EXPIRED = _("Your temporary password has expired (it works for %(hours)s hours after the school sets it). "
                      "Ask your school to reset your password again.")


class ResetRefused(Exception):
    """Why a reset step was refused: `str()` is what the user reads."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def normalize_phone(value: str) -> str:
    """A mobile number as typed: full-width digits, spaces, dashes and +86 allowed."""
    text = "".join(unicodedata.normalize("NFKC", value or "").replace("-", "").split())
    if text.startswith("+86"):
        text = text[3:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text


def _phone_key(phone: str) -> str:
    return salted_hmac("tisheng.accounts.reset-code.phone", phone, algorithm="sha256").hexdigest()


def _code_hash(phone_key: str, code: str) -> str:
    return salted_hmac("tisheng.accounts.reset-code.code", f"{phone_key}:{code}", algorithm="sha256").hexdigest()


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "…"


# --- change your own ------------------------------------------------------------------------------

@transaction.atomic
def password_change(*, user: User, new_password: str, ip: str | None, keep_session: str | None) -> int:
    """Set the user's own new password (already confirmed with the current one and validated by
    the form), clear a pending forced change, end their other sessions; how many ended."""
    forced = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    ended = sessions_end(user, keep=keep_session)
    audit(actor=user, action=AuditAction.PASSWORD_CHANGED, object_type="user", object_id=str(user.pk), ip=ip,
          forced=forced, sessions_ended=ended)
    return ended


# --- forgotten: an SMS code -------------------------------------------------------------------------

def reset_code_request(*, phone: str, ip: str | None) -> None:
    """Send a reset code to `phone` if it is an active account's (see the module docstring);
    ResetRefused when a limit is reached. The phone must already be normalized and valid."""
    now = timezone.now()
    key, network = _phone_key(phone), client_network(ip) or ""
    PasswordResetCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()  # kept one day
    recent = PasswordResetCode.objects.filter(phone_key=key, created_at__gte=now - timedelta(days=1))
    refused = None
    if recent.filter(created_at__gte=now - timedelta(minutes=1)).exists():
        refused = WAIT_A_MINUTE
    elif recent.count() >= settings.PASSWORD_RESET_CODES_PER_DAY:
        refused = TOO_MANY_TODAY
    elif network and PasswordResetCode.objects.filter(
            network=network, created_at__gte=now - timedelta(hours=1)).count() >= \
            settings.PASSWORD_RESET_CODES_PER_NETWORK_HOUR:
        refused = NETWORK_LIMIT
    user = User.objects.filter(phone=phone, is_active=True).first()
    who = ({"actor": None, "object_type": "user", "object_id": str(user.pk)} if user is not None
           else {"actor": None, "object_type": "login", "object_id": key[:40]})
    if refused is not None:
        audit(action=AuditAction.PASSWORD_RESET_FAILED, ip=ip, phone=_masked(phone), reason="rate_limited", **who)
        raise ResetRefused(refused)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    with transaction.atomic():
        # Only the latest code of a phone counts: the earlier ones stop working.
        PasswordResetCode.objects.filter(phone_key=key, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now)
        PasswordResetCode.objects.create(phone_key=key, network=network, user=user,
                                         code_hash=_code_hash(key, code) if user is not None else "",
                                         created_at=now, expires_at=now + timedelta(minutes=RESET_CODE_MINUTES))
        audit(action=AuditAction.PASSWORD_RESET_REQUESTED, ip=ip, phone=_masked(phone), **who)
        if user is not None:
            text = gettext(SMS_CODE_TEXT) % {"code": code, "minutes": RESET_CODE_MINUTES}
            transaction.on_commit(lambda: get_sms_backend().send(phone, text))


@dataclass(frozen=True)
class _Code:
    pk: int
    user: User | None
    code_hash: str


def reset_code_check(*, phone: str, code: str, ip: str | None) -> User:
    """The account whose latest code for `phone` this is; counts the try. ResetRefused when the
    code is wrong, expired, used or tried too often (the same answers for a phone that is no
    account). The code stays usable (with its tries left) until `password_reset_with_code`."""
    now = timezone.now()
    key = _phone_key(phone)
    row = (PasswordResetCode.objects.filter(phone_key=key, used_at__isnull=True).select_related("user")
           .order_by("-created_at", "-pk").first())
    who = ({"actor": None, "object_type": "user", "object_id": str(row.user_id)} if row is not None and row.user_id
           else {"actor": None, "object_type": "login", "object_id": key[:40]})
    if row is None or row.expires_at <= now:
        audit(action=AuditAction.PASSWORD_RESET_FAILED, ip=ip, phone=_masked(phone), reason="expired", **who)
        raise ResetRefused(CODE_WRONG)
    counted = PasswordResetCode.objects.filter(pk=row.pk, used_at__isnull=True, attempts__lt=RESET_CODE_TRIES).update(
        attempts=F("attempts") + 1)
    if not counted:
        audit(action=AuditAction.PASSWORD_RESET_FAILED, ip=ip, phone=_masked(phone), reason="too_many_tries", **who)
        raise ResetRefused(CODE_USED_UP)
    code = "".join(unicodedata.normalize("NFKC", code or "").split())
    if row.user is None or not row.user.is_active or not constant_time_compare(row.code_hash, _code_hash(key, code)):
        audit(action=AuditAction.PASSWORD_RESET_FAILED, ip=ip, phone=_masked(phone), reason="wrong_code",
              tries=row.attempts + 1, **who)
        raise ResetRefused(CODE_WRONG if row.attempts + 1 < RESET_CODE_TRIES else CODE_USED_UP)
    return row.user


def password_reset_with_code(*, phone: str, code: str, new_password: str, ip: str | None) -> User:
    """Check the code (see reset_code_check), then set the new password: the code is used up, a
    pending forced change is done, the account's login lock lifted and all its sessions ended.
    ValidationError (code unused, the try counted) when the password fails the rules.

    Not one transaction: the try and the refusal's audit row must stay when the rest fails."""
    user = reset_code_check(phone=phone, code=code, ip=ip)
    validate_password(new_password, user)
    with transaction.atomic():
        used = PasswordResetCode.objects.filter(phone_key=_phone_key(phone), user=user, used_at__isnull=True).update(
            used_at=timezone.now())
        if not used:  # a parallel request used it first
            raise ResetRefused(CODE_WRONG)
        first = not user.has_usable_password()
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        account_unlock(user)
        ended = sessions_end(user)
        audit(actor=None, action=AuditAction.PASSWORD_RESET, object_type="user", object_id=str(user.pk), ip=ip,
              phone=_masked(phone), first_password=first, sessions_ended=ended)
    return user


# --- by the school ------------------------------------------------------------------------------

_TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """10 characters a teacher can copy by hand (no 0/O, 1/l/I) with a capital, a small letter
    and a digit: the complexity rules' three kinds."""
    while True:
        candidate = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(10))
        if (any(c.isupper() for c in candidate) and any(c.islower() for c in candidate)
                and any(c.isdigit() for c in candidate)):
            return candidate


@dataclass(frozen=True)
class TemporaryPassword:
    password: str
    sms_sent: bool
    valid_hours: int
    expires_at: dt.datetime


# Audit actions that give an account a new password (account_admin's security-admin reset
# included): the latest one says whether the password held now is a school's temporary one.
PASSWORD_SET_ACTIONS = (AuditAction.PASSWORD_RESET_BY_ADMIN, AuditAction.PASSWORD_CHANGED, AuditAction.PASSWORD_RESET,
                        "password_reset_by_security_admin")


def temporary_password_expired(user: User) -> bool:
    """Whether `user` holds a temporary password from a school's reset set more than
    TEMPORARY_PASSWORD_HOURS ago (read from the reset's audit row: no column of its own)."""
    if not user.must_change_password:
        return False
    latest = (AuditLog.objects.filter(object_type="user", object_id=str(user.pk), action__in=PASSWORD_SET_ACTIONS)
              .order_by("-at", "-pk").values("action", "at").first())
    return (latest is not None and latest["action"] == AuditAction.PASSWORD_RESET_BY_ADMIN
            and latest["at"] < timezone.now() - timedelta(hours=settings.TEMPORARY_PASSWORD_HOURS))


@transaction.atomic
def password_reset_by_school(*, actor: User, teacher, ip: str | None) -> TemporaryPassword:
    """Give `teacher` (already fetched in the actor's scope for the reset capability) a temporary
    password, shown once to the actor and sent by SMS when the account has a phone; the teacher
    must change it at the next login. Only accounts that hold nothing but the teacher role:
    a school must not take over its own administrator's or an office's account this way."""
    user = teacher.user
    if user is None:
        raise ResetRefused(NO_ACCOUNT)
    if not user.is_active:
        raise ResetRefused(ACCOUNT_DISABLED)
    others = sorted({Role(r).label for r in RoleAssignment.objects.filter(user=user).exclude(role=Role.TEACHER)
                     .values_list("role", flat=True)}, key=str)
    if others or user.evaluator_organization_id:
        raise ResetRefused(_lazy_format(NOT_A_TEACHER_ONLY_ACCOUNT, roles="、".join(str(r) for r in others)))
    password = temporary_password()
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    account_unlock(user)
    ended = sessions_end(user)
    phone = user.phone or ""
    audit(actor=actor, action=AuditAction.PASSWORD_RESET_BY_ADMIN, object_type="user", object_id=str(user.pk),
          scope_path=teacher.org_path, ip=ip, teacher=teacher.name, sms=bool(phone), sessions_ended=ended)
    if phone:
        text = gettext(SMS_TEMPORARY_TEXT) % {"school": teacher.school.name, "password": password}
        transaction.on_commit(lambda: get_sms_backend().send(phone, text))
    hours = settings.TEMPORARY_PASSWORD_HOURS
    return TemporaryPassword(password=password, sms_sent=bool(phone), valid_hours=hours,
                             expires_at=timezone.now() + timedelta(hours=hours))


def _lazy_format(message, **params) -> str:
    return gettext(message) % params
