"""Every request has an id, in its answer and on every log line it writes; JSON logs on request."""

import io
import json
import logging
from wsgiref.util import setup_testing_defaults

import pytest

from tisheng.core import observability_logging as obs
from tisheng.core.observability_logging import RequestIdFilter, RequestIdWSGI, TishengJsonFormatter


@pytest.fixture
def json_console():
    """The console handler as TISHENG_LOG_FORMAT=json configures it, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(TishengJsonFormatter())
    root = logging.getLogger()
    access = logging.getLogger("tisheng.request")
    old_level = access.level
    root.addHandler(handler)
    access.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    access.setLevel(old_level)


@pytest.mark.django_db
def test_a_well_formed_request_id_from_the_load_balancer_is_kept_and_returned(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="haproxy-7f3a9c:1a2b_3c")

    assert response["X-Request-ID"] == "haproxy-7f3a9c:1a2b_3c"


@pytest.mark.django_db
@pytest.mark.parametrize("forged", ["", "two words", 'a"b', "x" * 200, "abc\r\nfake log line", "-leading-dash"])
def test_a_malformed_request_id_is_replaced_by_a_new_one(client, forged):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=forged)

    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_two_requests_without_an_id_get_different_ids(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


@pytest.mark.django_db
def test_every_json_log_line_of_a_request_carries_its_id(client, json_console, monkeypatch):
    # Given a view that logs a warning of its own while it runs
    from tisheng.core import views

    def noisy(request):
        logging.getLogger("tisheng.somewhere").warning("教师名册导入：第 %d 行身份证号校验失败", 7)
        return views.JsonResponse({"ok": True})

    monkeypatch.setattr(views, "ping", noisy)
    from django.urls import clear_url_caches

    clear_url_caches()
    import importlib

    import tisheng.urls

    importlib.reload(tisheng.urls)
    try:
        response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-req-0001")
    finally:
        monkeypatch.undo()
        importlib.reload(tisheng.urls)
        clear_url_caches()

    lines = json_console()
    assert response["X-Request-ID"] == "lb-req-0001"
    warning = next(line for line in lines if line["logger"] == "tisheng.somewhere")
    assert warning["request_id"] == "lb-req-0001"
    assert warning["level"] == "WARNING"
    assert warning["message"] == "教师名册导入：第 7 行身份证号校验失败"  # readable Chinese, not \\u escapes
    assert "time" in warning
    access = next(line for line in lines if line["logger"] == "tisheng.request")
    assert access["request_id"] == "lb-req-0001"
    assert access["route"] == "healthz"
    assert access["status"] == 200
    assert access["method"] == "GET"


def test_a_log_line_outside_any_request_says_so(json_console):
    logging.getLogger("tisheng.jobs").warning("job 12 lost its worker")

    assert json_console()[-1]["request_id"] == obs.NO_REQUEST


def test_requests_answered_before_django_get_an_id_too():
    # The player's heartbeats are answered by the fast path, outside Django's middleware.
    seen = {}

    def inner(environ, start_response):
        seen["logged_id"] = obs.current_request_id()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    def start_response(status, headers):
        seen["headers"] = dict(headers)

    environ = {"PATH_INFO": "/learn/heartbeat", "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b"")}
    setup_testing_defaults(environ)
    environ["HTTP_X_REQUEST_ID"] = "nginx-5d41402abc4b2a76"

    RequestIdWSGI(inner)(environ, start_response)

    assert seen["headers"]["X-Request-ID"] == "nginx-5d41402abc4b2a76"
    assert seen["logged_id"] == "nginx-5d41402abc4b2a76"
    assert obs.current_request_id() == obs.NO_REQUEST  # nothing leaks into the thread's next request


@pytest.mark.django_db
def test_the_production_application_returns_one_request_id_header():
    from django.core import signals
    from django.db import close_old_connections

    from tisheng.wsgi import application

    environ = {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(b"")}
    setup_testing_defaults(environ)
    environ["HTTP_X_REQUEST_ID"] = "lb-42"
    seen = {}
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        b"".join(application(environ, lambda status, headers: seen.setdefault("headers", headers)))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    assert [v for k, v in seen["headers"] if k.lower() == "x-request-id"] == ["lb-42"]


def test_the_settings_switch_the_console_to_json():
    import subprocess
    import sys

    from django.conf import settings

    # The settings' own LOGGING, as TISHENG_LOG_FORMAT=json builds it (without a whole django.setup()).
    code = ("import logging.config, tisheng.settings as s; logging.config.dictConfig(s.LOGGING);"
            "logging.getLogger('tisheng.x').warning('磁盘快满了')")
    env = {"TISHENG_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=settings.BASE_DIR.parent)

    line = json.loads(out.stderr.strip().splitlines()[-1])
    assert line["message"] == "磁盘快满了"
    assert line["request_id"] == "-"
    assert line["level"] == "WARNING"


def test_plain_text_stays_the_default(settings):
    assert settings.LOGGING["handlers"]["console"].get("formatter") is None
