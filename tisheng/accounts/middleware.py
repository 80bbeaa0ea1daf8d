"""Logout after idle time (等保三级). The session remembers the last request; a request after
more than IDLE_TIMEOUT_MINUTES of silence ends the session. The timestamp is written at
most once a minute, so busy pages do not write a session each.

A view marked `idle_timeout_exempt` is not looked at here and does not load the session at
all: the player's heartbeat, which authenticates by its playback token and keeps the login
session alive itself, every few minutes, through `accounts.services.session_keepalive`."""

import time

from django.conf import settings
from django.contrib.auth import logout

SESSION_KEY = "_last_seen"
WRITE_EVERY_SECONDS = 60


def idle_timeout_exempt(view):
    view.idle_timeout_exempt = True
    return view


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "idle_timeout_exempt", False):
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_MINUTES * 60:
                from tisheng.accounts.models import AuditAction
                from tisheng.accounts.services import audit

                audit(actor=user, action=AuditAction.IDLE_LOGOUT, object_type="user", object_id=str(user.pk))
                logout(request)
                request.idle_logged_out = True
            elif last is None or now - last >= WRITE_EVERY_SECONDS:
                request.session[SESSION_KEY] = now
                request.session.set_expiry(settings.IDLE_TIMEOUT_MINUTES * 60)
        return None


# Paths a user who must change their password may still reach: the change page itself and
# logging out; static files and translations; and the machine interfaces (the integration API,
# the LRS, OAuth2/OIDC), which authenticate by token, not by this session.
FORCED_CHANGE_OPEN_PREFIXES = ("/accounts/password/change/", "/accounts/logout/", "/static/", "/media/", "/i18n/",
                               "/jsi18n/", "/api/", "/xapi/", "/o/", "/healthz")


class ForcedPasswordChangeMiddleware:
    """A user whose account says `must_change_password` (a temporary password from the school,
    a new evaluator's one-time password) is sent to the change page from every page until the
    password is changed. Pages the player calls in the background (`idle_timeout_exempt`) are
    left alone; they do not load the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "idle_timeout_exempt", False):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return None
        if request.path_info.startswith(FORCED_CHANGE_OPEN_PREFIXES):
            return None
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        # The change page itself says why (a notice at its top), on every visit.
        target = reverse("passwords:change")
        if request.method == "GET" and request.path_info != reverse("home"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
