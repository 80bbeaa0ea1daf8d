"""Nothing one client sends can fail another client's beat: a hostile beat in a batch is that
beat's 400, and the other teachers' beats of the same batch are answered 200 and credited. The
same bodies through the Django view (one beat) and the presence check are answered 400, never 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tisheng.playback import fastpath, services
from tisheng.playback.models import PlaybackSession

pytestmark = pytest.mark.django_db

DEEP = "[" * 30_000 + "]" * 30_000


def good(player, seq=1, intervals=((0, 20),)) -> dict:
    return {"session": player.token, "seq": seq, "intervals": [list(i) for i in intervals], "rate": 1,
            "visible": True, "position": intervals[-1][1]}


def hostile_bodies(player) -> dict[str, bytes]:
    """Each hostile shape as the raw body a client could send for `player`'s session."""
    def with_(**fields) -> bytes:
        return json.dumps({**good(player), **fields}).encode()

    def raw(text: str) -> bytes:
        return text.replace("TOKEN", player.token).encode()

    return {
        "deep nesting": raw('{"session": "TOKEN", "seq": 1, "intervals": ' + DEEP + "}"),
        "deep nesting, bare": DEEP.encode(),
        "seq 10**30": with_(seq=10**30),
        "seq past int4": with_(seq=2**31),
        "seq 1e308": with_(seq=1e308),
        "seq a bool": with_(seq=True),
        "NaN rate": raw('{"session": "TOKEN", "seq": 1, "intervals": [[0, 20]], "rate": NaN}'),
        "NaN interval": raw('{"session": "TOKEN", "seq": 1, "intervals": [[NaN, 20]]}'),
        "Infinity interval": raw('{"session": "TOKEN", "seq": 1, "intervals": [[0, Infinity]]}'),
        "Infinity position": raw('{"session": "TOKEN", "seq": 1, "intervals": [[0, 20]], "position": Infinity}'),
        "-1e308 interval": with_(intervals=[[-1e308, 20]]),
        "-1e308 position": with_(position=-1e308),
        "1e308 interval end": with_(intervals=[[0, 1e308]]),
        "1e400 rate": raw('{"session": "TOKEN", "seq": 1, "intervals": [[0, 20]], "rate": 1e400}'),
        "huge rate": with_(rate=1e300),
        "a string seq": with_(seq="1"),
        "string interval ends": with_(intervals=[["0", "20"]]),
        "an interval of a dict": with_(intervals=[{"0": 1, "20": 2}]),
        "an interval of three": with_(intervals=[[0, 10, 20]]),
        "a string rate": with_(rate="1.0"),
        "a bool rate": with_(rate=True),
        "a string position": with_(position="20"),
        "an interval backwards": with_(intervals=[[20, 0]]),
        "a huge list of intervals": with_(intervals=[[i, i + 0.5] for i in range(services.MAX_INTERVALS_PER_BEAT + 1)]),
        "a huge list in an interval": with_(intervals=[list(range(5000))]),
        "a list for the token": with_(session=[player.token]),
        "visible a number": with_(visible=1),
        "NUL in the token": raw('{"session": "TOKEN\\u0000", "seq": 1}'),
        "a lone surrogate": raw('{"session": "TOKEN", "seq": 1, "x": "\\ud800"}'),
        "not UTF-8": b'{"session": "\xff\xfe", "seq": 1}',
        "a list": b"[1, 2]",
        "not JSON": b"not json",
    }


SHAPES = list(hostile_bodies(type("P", (), {"token": "t"})()))


@pytest.fixture
def three(world, lesson, clock, player_for):
    """Three teachers playing the lesson, 20 s of wall time since they started."""
    players = [player_for(user, lesson, Client()) for user in
               (world.teacher.user, world.teachers_a[1].user, world.teachers_a[2].user)]
    clock.advance(20)
    return players


@pytest.mark.parametrize("shape", SHAPES)
def test_a_hostile_beat_in_a_batch_is_its_own_400_and_the_others_are_credited(three, shape):
    first, hostile, last = three
    answers = fastpath.answer_beats([
        (json.dumps(good(first)).encode(), first.login_session_key),
        (hostile_bodies(hostile)[shape], hostile.login_session_key),
        (json.dumps(good(last)).encode(), last.login_session_key),
    ])
    assert [(status, answer.get("credited_seconds")) for status, answer, _result in answers] == [
        (200, 20), (400, None), (200, 20)]
    assert answers[1][1] == {"error": str(services.BEAT_BAD_REQUEST)}
    stored = dict(PlaybackSession.objects.filter(token__in=[p.token for p in three])
                  .values_list("token", "earned_seconds"))
    assert [stored[p.token] for p in three] == [20, 0, 20]


HOSTILE_PAYLOADS = {
    # What a caller of the service could hand it already parsed (the JSON reader refuses these
    # as text, the service must refuse them as values).
    "seq 10**30": {"seq": 10**30},
    "seq past int4": {"seq": 2**31},
    "NaN rate": {"rate": float("nan")},
    "NaN interval": {"intervals": [[float("nan"), 20]]},
    "Infinity interval": {"intervals": [[0, float("inf")]]},
    "-Infinity position": {"position": float("-inf")},
    "an int too big for a float": {"intervals": [[0, 10**400]]},
    "a position too big for a float": {"position": 10**400},
    "a seq a bool": {"seq": True},
    "a rate a Decimal-like string": {"rate": "1"},
    "intervals a dict": {"intervals": {"0": 20}},
    "intervals a string": {"intervals": "0-20"},
}


@pytest.mark.parametrize("shape", list(HOSTILE_PAYLOADS))
def test_the_service_refuses_hostile_values_beat_by_beat(three, shape):
    first, hostile, last = three
    results = services.heartbeats_record([
        (first.login_session_key, good(first)),
        (hostile.login_session_key, {**good(hostile), **HOSTILE_PAYLOADS[shape]}),
        (last.login_session_key, good(last)),
    ])
    assert isinstance(results[1].error, services.BeatError)
    assert [results[0].answer["credited_seconds"], results[2].answer["credited_seconds"]] == [20, 20]
    assert PlaybackSession.objects.get(token=hostile.token).last_seq == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_the_heartbeat_view_answers_a_hostile_beat_400(three, shape):
    player = three[0]
    response = player.client.post("/learn/heartbeat", hostile_bodies(player)[shape], content_type="text/plain")
    assert response.status_code == 400
    assert response.json() == {"error": str(services.BEAT_BAD_REQUEST)}
    assert PlaybackSession.objects.get(token=player.token).earned_seconds == 0


def test_the_heartbeat_view_refuses_a_body_the_fast_path_refuses_as_too_large(three):
    player = three[0]
    body = json.dumps({**good(player), "padding": "x" * fastpath.MAX_BODY}).encode()
    response = player.client.post("/learn/heartbeat", body, content_type="text/plain")
    assert response.status_code == 413
    assert response.json() == {"error": fastpath.BODY_TOO_LARGE}


PRESENCE_BODIES = {
    "deep nesting": DEEP.encode(),
    "deep nesting inside": ('{"session": "TOKEN", "id": ' + DEEP + "}").encode(),
    "id Infinity": b'{"session": "TOKEN", "id": Infinity, "answer": "3"}',
    "id 1e308": b'{"session": "TOKEN", "id": 1e308, "answer": "3"}',
    "id NaN": b'{"session": "TOKEN", "id": NaN, "answer": "3"}',
    "id 10**30": b'{"session": "TOKEN", "id": 1000000000000000000000000000000, "answer": "3"}',
    "id a bool": b'{"session": "TOKEN", "id": true, "answer": "3"}',
    "id a list": b'{"session": "TOKEN", "id": [1], "answer": "3"}',
    "session a list": b'{"session": ["TOKEN"], "id": 1, "answer": "3"}',
    "answer a dict": b'{"session": "TOKEN", "id": 1, "answer": {"a": 1}}',
    "not UTF-8": b'{"session": "\xff", "id": 1}',
    "not JSON": b"{",
    "a list": b"[]",
}


@pytest.mark.parametrize("shape", list(PRESENCE_BODIES))
def test_the_presence_check_answers_a_malformed_body_400(three, shape):
    player = three[0]
    body = PRESENCE_BODIES[shape].replace(b"TOKEN", player.token.encode())
    response = player.client.post("/learn/presence", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": str(services.BEAT_BAD_REQUEST)}
