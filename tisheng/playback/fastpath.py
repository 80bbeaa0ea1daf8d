"""The heartbeat's lean path through the WSGI server.

A beat is the one request that arrives thousands of times a second in deadline week, and it
needs nothing of Django's request machinery: no URL resolution, no login session or user (it is
authenticated by its playback token and login-session cookie, see services.heartbeat_record),
no templates, messages, locale or CSRF. `HeartbeatFastPath` wraps the WSGI application and
answers `POST <heartbeat path>` itself with `answer_beat`, the same function the Django view
calls, so both paths give the same answers (tests drive both). Every other request goes to
Django untouched. Database connections are managed as Django's handler does (the
request_started / request_finished signals close unusable or obsolete connections).
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core import signals
from django.http.cookie import parse_cookie
from django.urls import reverse
from django.utils import translation

from tisheng.playback import services

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a beat carries at most MAX_INTERVALS_PER_BEAT pairs: a few kB
BODY_TOO_LARGE = "The heartbeat is too large."


def answer_beat(body: bytes, login_session_key: str) -> tuple[int, dict]:
    """(HTTP status, JSON answer) for one beat: what both the view and the fast path send."""
    if not login_session_key:
        return 401, {"error": str(services.LOGIN_ENDED)}
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return 400, {"error": str(services.BEAT_BAD_REQUEST)}
    try:
        return 200, services.heartbeat_record(login_session_key=login_session_key, payload=payload)
    except services.BeatError:
        return 400, {"error": str(services.BEAT_BAD_REQUEST)}
    except services.SessionNotFound:
        return 404, {"error": str(services.SESSION_NOT_FOUND)}
    except services.LoginEnded:
        return 401, {"error": str(services.LOGIN_ENDED)}


_REASONS = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 404: "404 Not Found",
            413: "413 Content Too Large", 500: "500 Internal Server Error"}


class HeartbeatFastPath:
    def __init__(self, app, path: str | None = None) -> None:
        self.app = app
        self.path = path or reverse("playback:heartbeat")

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            status, answer = self._beat(environ)
        except Exception:  # the answer must still be JSON; the error is logged like Django's
            logger.exception("heartbeat failed")
            status, answer = 500, {"error": "server error"}
        finally:
            signals.request_finished.send(sender=self.__class__)
        body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        start_response(_REASONS[status], [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")])
        return [body]

    def _beat(self, environ) -> tuple[int, dict]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return 413, {"error": BODY_TOO_LARGE}
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(settings.SESSION_COOKIE_NAME, "")
        with translation.override(settings.LANGUAGE_CODE):
            return answer_beat(body, cookie)
