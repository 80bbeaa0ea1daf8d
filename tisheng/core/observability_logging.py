"""Structured logs with a request id (issue 20).

Every request gets an id: the load balancer's `X-Request-ID` when it sent a well-formed one (HAProxy's
unique-id, nginx's $request_id), else a new one. The answer carries it back in `X-Request-ID`, and every
log line written while the request runs carries it as `request_id`: one search in the log store finds
the balancer's line, the app's lines of every node and the user's complaint ("请求编号" on an error
page) together. The id lives in a context variable, so it follows the request's thread and nothing else.

- `RequestIdMiddleware` (first in MIDDLEWARE) does it for everything Django answers.
- `RequestIdWSGI` wraps the whole WSGI application (tisheng/wsgi.py), so the player's heartbeats,
  answered before Django (playback/fastpath.py), get an id and the header too; Django's middleware then
  reuses the same id. A heartbeat group commit records many requests' beats at once: its own log lines
  (a failed batch) carry no single request's id.
- `RequestIdFilter` puts `request_id` ("-" outside a request) on every record the console handler writes.

TISHENG_LOG_FORMAT=json switches the console to one JSON object per line (python-json-logger):
time, level, logger, message, request_id, and whatever `extra` a call passed, plus one access line per
request from `tisheng.request` (method, route, status, milliseconds). Plain text stays the default.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
ENVIRON_KEY = "HTTP_X_REQUEST_ID"
# What a balancer's id looks like: letters, digits and a few separators, at most 128 characters. Anything
# else (spaces, quotes, line breaks: a forged log line) is replaced by an id of our own.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")
NO_REQUEST = "-"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("tisheng_request_id", default=NO_REQUEST)
access_logger = logging.getLogger("tisheng.request")


def accept_or_new(incoming: str | None) -> str:
    if incoming and WELL_FORMED.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class TishengJsonFormatter(JsonFormatter):
    """One JSON object per line; Django's `request` extra (an object) is left out, its path is in the message."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message", "request_id"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record.pop("request", None)
        log_record.pop("server_time", None)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_or_new(request.META.get(ENVIRON_KEY))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            if access_logger.isEnabledFor(logging.INFO):
                match = getattr(request, "resolver_match", None)
                access_logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
                    "method": request.method, "route": (match.view_name if match else None) or "unmatched",
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1)})
            return response
        finally:
            request_id_var.reset(token)


class RequestIdWSGI:
    """The same for requests answered before Django (the heartbeat fast path)."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        request_id = accept_or_new(environ.get(ENVIRON_KEY))
        environ[ENVIRON_KEY] = request_id  # Django's middleware keeps this one
        token = request_id_var.set(request_id)

        def start(status, headers, exc_info=None):
            if not any(name.lower() == "x-request-id" for name, _value in headers):
                headers = [*headers, (HEADER, request_id)]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.app(environ, start)
        finally:
            request_id_var.reset(token)

