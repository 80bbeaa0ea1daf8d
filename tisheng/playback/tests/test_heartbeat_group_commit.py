"""Beats that arrive together are recorded together (services.heartbeats_record, and
fastpath.GroupCommit on threaded servers) and are answered exactly as if they had come one after
another: the same credit, the same refusals, and nothing answered 2xx that is not in the
database."""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.db.models import F
from django.test import Client

from tisheng.core.db_unavailable import DATABASE_UNAVAILABLE
from tisheng.people.tests.factories import TeacherFactory
from tisheng.playback import fastpath, services
from tisheng.playback.models import LessonCompletion, PlaybackSession
from tisheng.playback.tests.conftest import enroll, select
from tisheng.wsgi import django_application


@pytest.fixture
def teachers(world, course, program_1):
    """Nine more teachers of county A's school, enrolled where the course is contracted, who
    selected it."""
    made = [TeacherFactory(school=world.school_a, name=f"教师{i}") for i in range(9)]
    for teacher in made:
        enroll(program_1, teacher)
        select(teacher, course)
    return made


def payload(player, seq, intervals, *, visible=True, rate=1.0):
    return {"session": player.token, "seq": seq, "intervals": intervals, "rate": rate, "visible": visible,
            "position": intervals[-1][1] if intervals else 0}


def outcome(result):
    return ("error", type(result.error).__name__) if result.error else ("ok", result.answer)


def script(first, second, stranger):
    """A batch's worth of beats, as (login session key, payload): two viewers, one of them beating
    twice (the second time with no wall-clock time since: it earns nothing more) and replaying a
    beat, a hidden tab, someone else's cookie, a malformed beat, a missing cookie, and a third
    viewer at 1.5x (30 s of video in 20 s: it earns the 20 s)."""
    return [
        (stranger.login_session_key, payload(stranger, 1, [[0, 30]], rate=1.5)),
        (first.login_session_key, payload(first, 1, [[0, 20]])),
        (second.login_session_key, payload(second, 1, [[0, 15]])),
        (first.login_session_key, payload(first, 2, [[20, 40]])),
        (first.login_session_key, payload(first, 1, [[0, 20]])),
        (second.login_session_key, payload(second, 2, [[15, 30]], visible=False)),
        (stranger.login_session_key, payload(first, 3, [[40, 60]])),
        (first.login_session_key, {"session": first.token, "seq": "three"}),
        ("", payload(second, 3, [[30, 45]])),
    ]


def test_a_batch_answers_as_the_same_beats_one_after_another(teachers, lesson, clock, player_for,
                                                             django_assert_num_queries):
    batched = [player_for(t.user, lesson, Client()) for t in teachers[:3]]
    alone = [player_for(t.user, lesson, Client()) for t in teachers[3:6]]
    clock.advance(20)

    # Every session of the batch in one SELECT and, on PostgreSQL, one UPDATE (SQLite: one per
    # session that changed, here three).
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 4):
        together = [outcome(r) for r in services.heartbeats_record(script(*batched))]
    one_by_one = []
    for key, body in script(*alone):
        try:
            one_by_one.append(("ok", services.heartbeat_record(login_session_key=key, payload=body)))
        except (services.BeatError, services.SessionNotFound, services.LoginEnded) as e:
            one_by_one.append(("error", type(e).__name__))

    assert together == one_by_one
    assert [o[1]["credited_seconds"] if o[0] == "ok" else o[1] for o in together] == [
        20, 20, 15, 0, 0, 0, "SessionNotFound", "BeatError", "LoginEnded"]

    def stored(player):
        return PlaybackSession.objects.values("last_seq", "lesson_seconds", "earned_seconds", "intervals").get(
            token=player.token)

    assert [stored(p) for p in batched] == [stored(p) for p in alone]
    assert stored(batched[0])["last_seq"] == 2
    assert stored(batched[0])["lesson_seconds"] == 20
    assert (stored(batched[2])["lesson_seconds"], stored(batched[2])["intervals"]) == (20, "[[0.0,30.0]]")


def test_a_session_written_elsewhere_in_the_meantime_earns_nothing(world, lesson, clock, player_for, monkeypatch):
    """Another worker's beat of the same session commits between this batch's read and write: the
    compare-and-set fails, and this batch's beat is answered from the row as it is now."""
    player = player_for(world.teacher.user, lesson, Client())
    other = player_for(world.teachers_a[2].user, lesson, Client())
    clock.advance(20)
    read_many = services._read_many

    def read_then_lose_the_race(tokens):
        rows = read_many(tokens)
        if player.token in rows and rows[player.token]["last_seq"] == 0:
            PlaybackSession.objects.filter(token=player.token).update(last_seq=F("last_seq") + 1, lesson_seconds=7)
        return rows

    monkeypatch.setattr(services, "_read_many", read_then_lose_the_race)
    mine, theirs = services.heartbeats_record([
        (player.login_session_key, payload(player, 1, [[0, 20]])),
        (other.login_session_key, payload(other, 1, [[0, 20]])),
    ])
    assert mine.answer["credited_seconds"] == 0
    assert mine.answer["lesson_seconds"] == 7
    assert theirs.answer["credited_seconds"] == 20
    assert PlaybackSession.objects.get(token=player.token).earned_seconds == 0
    assert PlaybackSession.objects.get(token=other.token).earned_seconds == 20


def test_a_beat_that_fails_fails_its_session_not_the_batch(world, lesson, clock, player_for, monkeypatch):
    player = player_for(world.teacher.user, lesson, Client())
    other = player_for(world.teachers_a[2].user, lesson, Client())
    clock.advance(20)
    apply_beat = services._beat

    def broken_for_player(s, beat, result, **kwargs):
        if beat[0] == player.token:
            raise ZeroDivisionError("a bug")
        return apply_beat(s, beat, result, **kwargs)

    monkeypatch.setattr(services, "_beat", broken_for_player)
    answers = fastpath.answer_beats([
        (json.dumps(payload(player, 1, [[0, 20]])).encode(), player.login_session_key),
        (json.dumps(payload(other, 1, [[0, 20]])).encode(), other.login_session_key),
    ])
    assert [(status, answer.get("credited_seconds")) for status, answer, _result in answers] == [(500, None), (200, 20)]
    assert PlaybackSession.objects.get(token=player.token).last_seq == 0
    assert PlaybackSession.objects.get(token=other.token).earned_seconds == 20


# --- through the production application, from many request threads at once ------------------------

@pytest.fixture
def shared_connection(monkeypatch):
    """The request threads and the group-commit thread use the test's database connection, as
    Django's live server thread does, so they see the test's data inside its transaction (which
    the request signals must then not close)."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.inc_thread_sharing()
    run = fastpath.GroupCommit._run

    def run_on_the_test_connection(self, waiting):
        connections[DEFAULT_DB_ALIAS] = conn
        return run(self, waiting)

    monkeypatch.setattr(fastpath.GroupCommit, "_run", run_on_the_test_connection)
    monkeypatch.setattr(conn, "close_if_unusable_or_obsolete", lambda: None)
    yield conn
    conn.dec_thread_sharing()


def post_beat(app, player, body: dict) -> tuple[int, dict]:
    connections[DEFAULT_DB_ALIAS] = app.test_connection
    data = json.dumps(body).encode()
    environ = {"PATH_INFO": "/learn/heartbeat", "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(data),
               "CONTENT_LENGTH": str(len(data)), "HTTP_COOKIE": f"sessionid={player.login_session_key}"}
    setup_testing_defaults(environ)
    environ["wsgi.multithread"] = True  # as granian says: beats go through the group commit
    seen = {}
    chunks = app(environ, lambda status, headers: seen.update(status=status))
    return int(seen["status"].split()[0]), json.loads(b"".join(chunks))


@pytest.fixture
def batches(monkeypatch):
    """The sizes of the batches the group commit writes; `hold` makes the first one wait (so the
    beats that arrive meanwhile gather into the next)."""
    sizes, hold, entered = [], threading.Event(), threading.Event()
    hold.set()
    answer_beats = fastpath.answer_beats

    def recording(requests):
        sizes.append(len(requests))
        entered.set()
        assert hold.wait(10)
        return answer_beats(requests)

    monkeypatch.setattr(fastpath, "answer_beats", recording)
    return sizes, hold, entered


def production_app(conn) -> fastpath.HeartbeatFastPath:
    app = fastpath.HeartbeatFastPath(django_application)
    app.test_connection = conn
    return app


def test_beats_from_many_threads_are_committed_together_and_answered_after(teachers, lesson, clock, player_for,
                                                                          batches, shared_connection):
    sizes, hold, entered = batches
    app = production_app(shared_connection)
    players = [player_for(t.user, lesson, Client()) for t in teachers]
    clock.advance(20)
    hold.clear()
    with ThreadPoolExecutor(len(players)) as pool:
        first = pool.submit(post_beat, app, players[0], payload(players[0], 1, [[0, 20]]))
        assert entered.wait(10)  # the first beat's batch is being written: the others gather
        rest = [pool.submit(post_beat, app, p, payload(p, 1, [[0, 20]])) for p in players[1:]]
        while app.group_commit._queue.qsize() < len(rest):
            threading.Event().wait(0.01)
        assert not any(f.done() for f in [first, *rest])  # nobody is answered before the commit
        hold.set()
        answers = [first.result(10), *(f.result(10) for f in rest)]
    assert sizes == [1, 8]
    assert [(status, answer["credited_seconds"]) for status, answer in answers] == [(200, 20)] * 9
    assert sorted(PlaybackSession.objects.filter(token__in=[p.token for p in players])
                  .values_list("earned_seconds", flat=True)) == [20] * 9


def test_a_beat_that_completes_its_lesson_records_the_completion(world, lesson, clock, player_for,
                                                                 shared_connection):
    app = production_app(shared_connection)
    player = player_for(world.teacher.user, lesson, Client())
    clock.advance(600)
    status, answer = post_beat(app, player, payload(player, 1, [[0, 600]]))
    assert (status, answer["lesson_complete"], answer["course_complete"]) == (200, True, False)  # 1 of 2 lessons
    assert LessonCompletion.objects.filter(teacher=world.teacher, lesson=lesson).count() == 1


def test_a_batch_that_meets_the_database_down_answers_503_and_the_next_one_is_written(world, lesson, clock,
                                                                                      player_for, monkeypatch,
                                                                shared_connection):
    app = production_app(shared_connection)
    player = player_for(world.teacher.user, lesson, Client())
    clock.advance(20)
    record = services.heartbeats_record
    calls = []

    def database_restarting(beats):
        calls.append(len(beats))
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return record(beats)

    monkeypatch.setattr(services, "heartbeats_record", database_restarting)
    assert post_beat(app, player, payload(player, 1, [[0, 20]])) == (503, {"error": str(DATABASE_UNAVAILABLE)})
    assert PlaybackSession.objects.get(token=player.token).earned_seconds == 0
    status, answer = post_beat(app, player, payload(player, 1, [[0, 20]]))  # the player sends it again
    assert (status, answer["credited_seconds"]) == (200, 20)
    assert PlaybackSession.objects.get(token=player.token).earned_seconds == 20


def test_a_completion_that_failed_is_recorded_by_the_next_beat(world, lesson, clock, player_for, monkeypatch):
    """The beat's credit is committed before its lesson's completion is recorded: when recording
    fails (the database going away between the two), the next beat records it."""
    player = player_for(world.teacher.user, lesson, Client())
    clock.advance(600)
    record = services.lesson_complete_record

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "lesson_complete_record", database_gone)
    with pytest.raises(OperationalError):
        services.heartbeat_record(login_session_key=player.login_session_key, payload=payload(player, 1, [[0, 600]]))
    assert not LessonCompletion.objects.filter(teacher=world.teacher, lesson=lesson).exists()

    monkeypatch.setattr(services, "lesson_complete_record", record)
    clock.advance(20)
    answer = services.heartbeat_record(login_session_key=player.login_session_key,
                                       payload=payload(player, 2, [[590, 600]]))
    assert (answer["credited_seconds"], answer["lesson_complete"]) == (0, True)
    assert LessonCompletion.objects.filter(teacher=world.teacher, lesson=lesson).count() == 1
    assert PlaybackSession.objects.get(token=player.token).lesson_complete
    clock.advance(20)
    services.heartbeat_record(login_session_key=player.login_session_key, payload=payload(player, 3, [[590, 600]]))
    assert LessonCompletion.objects.filter(teacher=world.teacher, lesson=lesson).count() == 1
