"""A user's login sessions, so that changing or resetting a password ends the others.

Django already refuses a session whose stored password hash no longer matches
(`get_session_auth_hash`), so an old session stops working at its next request after a
password change; `sessions_end` also deletes those sessions from the session store, so they are
gone, not merely refused, and the player's heartbeat keep-alive finds nothing to keep alive.

The session engine cannot list a user's sessions (the database engine keeps them as opaque
signed blobs), so every login records its session key in `LoginSession` (one INSERT); ending a
user's sessions is then one DELETE per session of theirs, with any session engine."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from tisheng.accounts.models import LoginSession, User

_DATABASE_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db",
                     "tisheng.accounts.session_store")


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def session_record(user: User, session_key: str | None) -> None:
    """Remember that `session_key` is a login session of `user` (and forget their sessions
    that have ended meanwhile)."""
    if not session_key:
        return
    store = _store()
    gone = [key for key in LoginSession.objects.filter(user=user).exclude(session_key=session_key)
            .values_list("session_key", flat=True) if not store.exists(key)]
    if gone:
        LoginSession.objects.filter(session_key__in=gone).delete()
    LoginSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def sessions_end(user: User, *, keep: str | None = None) -> int:
    """End every login session of `user` except `keep` (the one they are using); how many."""
    store = _store()
    keys = list(LoginSession.objects.filter(user=user).exclude(session_key=keep or "")
                .values_list("session_key", flat=True))
    for key in keys:
        store.delete(key)
    LoginSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def sessions_purge() -> int:
    """Delete expired sessions from the session store (Django's `clearsessions`; the database
    engine never deletes them itself) and the login records whose session is gone; how many
    records went. For run-periodic."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    store_class.clear_expired()
    if settings.SESSION_ENGINE in _DATABASE_ENGINES:
        # One DELETE with a subquery: the sessions are rows of django_session.
        from django.contrib.sessions.models import Session

        deleted, _ = LoginSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
        return deleted
    store = store_class()
    gone = [key for key in LoginSession.objects.values_list("session_key", flat=True).iterator(chunk_size=2000)
            if not store.exists(key)]
    for start in range(0, len(gone), 500):
        LoginSession.objects.filter(session_key__in=gone[start:start + 500]).delete()
    return len(gone)


@receiver(user_logged_in, dispatch_uid="accounts.sessions.logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and getattr(user, "pk", None):
        session_record(user, session.session_key)


@receiver(user_logged_out, dispatch_uid="accounts.sessions.logged_out")
def _logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        LoginSession.objects.filter(session_key=session.session_key).delete()
