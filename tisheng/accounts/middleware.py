"""Logout after idle time (等保三级). The session remembers the last request; a request after
more than IDLE_TIMEOUT_MINUTES of silence ends the session. The timestamp is written at
most once a minute, so busy pages (the player's heartbeats) do not write a session each."""

import time

from django.conf import settings
from django.contrib.auth import logout

SESSION_KEY = "_last_seen"
WRITE_EVERY_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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
        return self.get_response(request)
