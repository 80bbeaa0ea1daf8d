"""The one password check: `password_login`. The login page, Django's `authenticate()` (the
phone / national-ID backend, so `Client.login` in tests too) and the OAuth2 token endpoint's
password grant all come here; nothing else calls `check_password`.

What it applies, in this order, with the state in one table (`LoginThrottle`) that every
worker of every server shares:

1. the client network: LOGIN_MAX_FAILURES_PER_IP failed logins from one IPv4 address (one /64
   for IPv6) within LOGIN_LOCKOUT_MINUTES block it for LOGIN_LOCKOUT_MINUTES (a school's NAT
   makes many teachers one address, so the limit is high and only failures count);
2. the account: LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_MINUTES lock it for
   LOGIN_LOCKOUT_MINUTES. A login name that is no account is counted and locked exactly
   the same way (keyed by a hash of the name), and the hasher runs on a dummy for it, so the
   answer (message, status, time) never tells whether an account exists;
3. the password (skipped with `check=False`: a path that never accepts a password).

Every outcome is audited: `login`, `login_failed`, `locked_out`, `login_throttled`.

Cost: a failed login is the hasher (~60 ms of CPU with Argon2id, accounts/hashers.py) plus one SELECT, two upserts,
one indexed DELETE of expired rows and one or two audit INSERTs; a successful one is the
hasher plus one SELECT, one DELETE and the audit INSERT."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import AuditAction, LoginThrottle, User
from tisheng.accounts.services import audit
from tisheng.core import crypto, idcard
from tisheng.core.clientip import client_network

INVALID_LOGIN = _("Wrong account or password. Use your phone number or national ID.")
ACCOUNT_LOCKED = _("Too many failed logins: the account is locked. Try again in %(minutes)d minutes.")
NETWORK_THROTTLED = _("Too many failed logins from your network. Try again in %(minutes)d minutes.")
ACCOUNT_INACTIVE = _("This account is disabled.")


class LoginRefused(Exception):
    """Why a login was refused: `message % params` is what the user reads."""

    def __init__(self, message, code: str, params: dict | None = None) -> None:
        super().__init__(code)
        self.message, self.code, self.params = message, code, params or {}

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


def find_user_by_login(login: str) -> User | None:
    """The user a login name means: a phone number, or a national ID (through the teacher
    profile, looked up by its keyed hash)."""
    login = idcard.normalize(login)
    if not login or len(login) > 64 or "\x00" in login:
        return None
    if idcard.is_valid(login):
        return User.objects.filter(teacher__id_hash=crypto.lookup_hash(login)).first()
    return User.objects.filter(phone=login).first()


def _network_key(ip: str | None) -> str | None:
    network = client_network(ip)
    return f"ip:{network}" if network else None


def _subject_key(user: User | None, login: str) -> str:
    if user is not None:
        return f"account:{user.pk}"
    name = idcard.normalize(login)[:64]
    digest = hmac.new(settings.SECRET_KEY.encode(), f"login-name:{name}".encode(), hashlib.sha256).hexdigest()
    return f"name:{digest[:40]}"


def _masked(login: str) -> str:
    """What the audit log shows of a login name that is no account (phone numbers and IDs are
    personal data): its first three and last two characters."""
    login = idcard.normalize(login)[:64]
    return f"{login[:3]}…{login[-2:]}" if len(login) > 6 else "…"


@dataclass(frozen=True)
class _Count:
    failures: int
    locked_until: int  # epoch seconds; 0 when not locked


# Fixed windows that start at the first failure: a failure inside the window adds one, a
# failure after it starts a new window. One statement, so concurrent workers never lose a count.
_UPSERT = (
    "INSERT INTO {t} ({k}, failures, window_start, locked_until, expires) VALUES (%s, 1, %s, 0, %s) "
    "ON CONFLICT ({k}) DO UPDATE SET "
    "failures = CASE WHEN {t}.window_start > %s THEN {t}.failures + 1 ELSE 1 END, "
    "window_start = CASE WHEN {t}.window_start > %s THEN {t}.window_start ELSE excluded.window_start END, "
    "expires = CASE WHEN {t}.locked_until > excluded.expires THEN {t}.locked_until ELSE excluded.expires END "
    "RETURNING failures, locked_until"
)


def _count_failure(key: str, now: int, window: int) -> _Count:
    table = connection.ops.quote_name(LoginThrottle._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(t=table, k=connection.ops.quote_name("key")),
                       [key, now, now + window, now - window, now - window])
        failures, locked_until = cursor.fetchone()
    return _Count(failures=failures, locked_until=locked_until)


def _lock(key: str, now: int, seconds: int) -> int:
    until = now + seconds
    LoginThrottle.objects.filter(key=key).update(failures=0, window_start=now, locked_until=until, expires=until)
    return until


def _minutes(until: int, now: int) -> int:
    return max(1, math.ceil((until - now) / 60))


def password_login(*, login: str, password: str, ip: str | None, via: str = "login_page",
                   check: bool = True) -> User:
    """The user whose login name (phone or national ID) and password these are; else
    LoginRefused with the message to show. `via` names the path in the audit log; with
    `check=False` the password is not looked at and the attempt is a failed login."""
    return _password_check(user=find_user_by_login(login), login=login, password=password, ip=ip, via=via,
                           check=check, success=AuditAction.LOGIN)


def password_confirm(*, user: User, password: str, ip: str | None, via: str) -> None:
    """A signed-in user's current password, asked again before it is changed: the same account
    lock and network throttle as a login (a borrowed session cannot guess it), and the same
    audit rows for a failure; LoginRefused when wrong. Success writes no login row."""
    _password_check(user=user, login=user.phone or "", password=password, ip=ip, via=via, check=True,
                    success=None)


def _password_check(*, user: User | None, login: str, password: str, ip: str | None, via: str, check: bool,
                    success: str | None) -> User:
    now = int(time.time())
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    subject, network = _subject_key(user, login), _network_key(ip)
    who = {"actor": user, "object_type": "user", "object_id": str(user.pk)} if user is not None else {
        "actor": None, "object_type": "login", "object_id": subject[:64]}
    detail = {"via": via} if user is not None else {"via": via, "login": _masked(login)}

    locks = dict(LoginThrottle.objects.filter(key__in=[k for k in (subject, network) if k], locked_until__gt=now)
                 .values_list("key", "locked_until"))
    if network in locks or subject in locks:
        reason = "network" if network in locks else "account"
        audit(action=AuditAction.LOGIN_THROTTLED, ip=ip, reason=reason, **who, **detail)
        if reason == "account" and network:
            # Trying locked accounts one after another is spraying: it counts for the network.
            _network_failure(network, ip, now, window)
        message = NETWORK_THROTTLED if reason == "network" else ACCOUNT_LOCKED
        until = locks[network] if reason == "network" else locks[subject]
        raise LoginRefused(message, f"{reason}_locked", {"minutes": _minutes(until, now)})

    if not check:
        correct = False
    elif user is not None:
        correct = user.check_password(password)
    else:
        make_password(password)  # the same work as a real check: no timing oracle
        correct = False

    if correct and user.is_active and user.must_change_password:
        from tisheng.accounts.services_password import TEMPORARY_EXPIRED, temporary_password_expired

        if temporary_password_expired(user):
            audit(action=AuditAction.LOGIN_FAILED, ip=ip, reason="temporary_expired", **who, **detail)
            raise LoginRefused(TEMPORARY_EXPIRED, "temporary_expired", {"hours": settings.TEMPORARY_PASSWORD_HOURS})
    if correct and user.is_active:
        LoginThrottle.objects.filter(key=subject).delete()
        if success:
            audit(action=success, ip=ip, **who, **detail)
        return user
    if correct:
        # Only someone who knows the password learns that the account is disabled.
        audit(action=AuditAction.LOGIN_FAILED, ip=ip, reason="inactive", **who, **detail)
        raise LoginRefused(ACCOUNT_INACTIVE, "inactive")

    LoginThrottle.objects.filter(expires__lt=now).delete()
    count = _count_failure(subject, now, window)
    audit(action=AuditAction.LOGIN_FAILED, ip=ip, failures=count.failures, **who, **detail)
    if network:
        _network_failure(network, ip, now, window)
    if count.failures >= settings.LOGIN_MAX_FAILURES:
        until = _lock(subject, now, window)
        audit(action=AuditAction.LOCKED_OUT, ip=ip, minutes=settings.LOGIN_LOCKOUT_MINUTES, **who, **detail)
        raise LoginRefused(ACCOUNT_LOCKED, "account_locked", {"minutes": _minutes(until, now)})
    raise LoginRefused(INVALID_LOGIN, "invalid_login")


def _network_failure(network: str, ip: str | None, now: int, window: int) -> None:
    count = _count_failure(network, now, window)
    if count.failures >= settings.LOGIN_MAX_FAILURES_PER_IP:
        _lock(network, now, window)
        audit(actor=None, action=AuditAction.LOCKED_OUT, object_type="network", object_id=network[:64], ip=ip,
              minutes=settings.LOGIN_LOCKOUT_MINUTES, failures=count.failures)


def account_unlock(user: User) -> None:
    """Forget the account's failed logins and lift its lock (the network's stay)."""
    LoginThrottle.objects.filter(key=f"account:{user.pk}").delete()


def locked_minutes(user: User) -> int:
    """Minutes until the user's account lock ends; 0 when it is not locked."""
    now = int(time.time())
    until = (LoginThrottle.objects.filter(key=f"account:{user.pk}", locked_until__gt=now)
             .values_list("locked_until", flat=True).first())
    return _minutes(until, now) if until else 0

