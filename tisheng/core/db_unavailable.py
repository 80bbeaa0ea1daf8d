"""A request the database cannot serve (restarting, unreachable, SQLite locked too long) is
answered 503 with Retry-After, never 500 (issue 12).

Django answers any exception 500 and logs it as a server error, so after a PostgreSQL restart
each request thread holding a dead connection used to fail once with a 500 page. Two things
change that: CONN_HEALTH_CHECKS (settings) has Django test a reused connection before a
request's first query, so a restart that is over costs nothing; and this middleware turns an
OperationalError or InterfaceError that a request still meets (the database is down right now)
into a clean 503: a Chinese page that needs no database (no base template, no context
processors, no session), or JSON under the API paths, and a warning in the log instead of
a traceback.

It sits outside the session middleware, so it sees the errors of the middleware that load a
session or a user as well as the views': a view's error through process_exception, a
middleware's (which Django has already turned into a 500 response) through the
got_request_exception signal, which marks the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10
# The JSON answer's message (API clients, the player's heartbeat, the LRS).
DATABASE_UNAVAILABLE = _("The service is briefly unavailable (its database is restarting). Please try again "
                         "in a few seconds.")
JSON_PREFIXES = ("/api/", "/xapi/", "/o/", "/learn/heartbeat", "/jobs/")
_MARK = "_tisheng_database_error"


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    accept = request.headers.get("Accept", "")
    return accept.startswith("application/json") or request.content_type == "application/json"


def unavailable_response(request: HttpRequest) -> HttpResponse:
    with translation.override(translation.get_language_from_request(request)):
        if wants_json(request):
            # Under /xapi/ the LRS's middleware (outside this one) adds its version and CORS
            # headers to this answer.
            response = HttpResponse(json.dumps({"error": str(DATABASE_UNAVAILABLE)}, ensure_ascii=False),
                                    status=503, content_type="application/json")
        else:
            response = HttpResponse(loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS}),
                                    status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _forget_broken_connections() -> None:
    """Drop connections that failed, so this thread's next request connects afresh."""
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is gone anyway
                logger.debug("closing a broken connection failed", exc_info=True)


@receiver(got_request_exception)
def _mark_database_error(sender, request: HttpRequest | None = None, **kwargs) -> None:
    import sys

    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_ERRORS):
        setattr(request, _MARK, exc)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            return self._unavailable(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
        _forget_broken_connections()
        return unavailable_response(request)
