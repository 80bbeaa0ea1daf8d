"""The production servers' lean heartbeat path answers exactly as the Django view does."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import Client

from tisheng.playback import services
from tisheng.playback.fastpath import MAX_BODY, HeartbeatFastPath
from tisheng.playback.models import PlaybackSession
from tisheng.wsgi import application

pytestmark = pytest.mark.django_db


def call(app, path, *, method="POST", body=b"", cookie="", length=None):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body) if length is None else length), "HTTP_COOKIE": cookie}
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    # As Django's test client does: the test's transaction must survive the request signals.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(seen["status"].split()[0]), seen["headers"], body


def beat_body(player, seq, intervals):
    return json.dumps({"session": player.token, "seq": seq, "intervals": intervals, "rate": 1, "visible": True,
                       "position": intervals[-1][1]}).encode()


def test_the_production_application_answers_a_beat_like_the_view(world, lesson, clock, player_for):
    fast = player_for(world.teacher.user, lesson, Client())
    cookie = f"sessionid={fast.login_session_key}"
    clock.advance(20)
    status, headers, body = call(application, "/learn/heartbeat", body=beat_body(fast, 1, [[0, 20]]), cookie=cookie)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    fast_answer = json.loads(body)
    assert fast_answer["credited_seconds"] == 20

    viewed = player_for(world.teachers_a[2].user, lesson, Client())
    clock.advance(20)
    view_answer = viewed.beat([[0, 20]])
    assert fast_answer == view_answer
    assert PlaybackSession.objects.get(token=fast.token).lesson_seconds == 20


def test_the_fast_path_refuses_what_the_view_refuses(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson, Client())
    cookie = f"sessionid={player.login_session_key}"
    clock.advance(20)
    assert call(application, "/learn/heartbeat", body=beat_body(player, 1, [[0, 20]]))[0] == 401
    status, _headers, body = call(application, "/learn/heartbeat", body=b"not json", cookie=cookie)
    assert (status, json.loads(body)["error"]) == (400, str(services.BEAT_BAD_REQUEST))
    other = Client()
    other.force_login(world.teachers_a[2].user)
    other_cookie = f"sessionid={other.cookies['sessionid'].value}"
    assert call(application, "/learn/heartbeat", body=beat_body(player, 1, [[0, 20]]), cookie=other_cookie)[0] == 404
    assert call(application, "/learn/heartbeat", body=b"{}", cookie=cookie, length=MAX_BODY + 1)[0] == 413
    assert PlaybackSession.objects.get(token=player.token).lesson_seconds == 0


def test_every_other_request_goes_to_django(world):
    status, _headers, body = call(application, "/healthz", method="GET")
    assert status == 200
    assert call(application, "/learn/heartbeat", method="GET")[0] == 405  # Django's require_POST


def test_the_fast_path_is_mounted_where_the_view_is():
    assert HeartbeatFastPath(lambda e, s: []).path == "/learn/heartbeat"
