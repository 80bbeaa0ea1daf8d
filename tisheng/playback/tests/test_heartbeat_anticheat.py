"""The anti-cheat rules, driven through the real heartbeat endpoint with a scripted client."""

import json
import time

import pytest
from django.conf import settings
from django.test import Client

from tisheng.accounts.middleware import SESSION_KEY as LAST_SEEN_KEY
from tisheng.ledger.models import LedgerEntry
from tisheng.playback import services
from tisheng.playback.models import LessonCompletion, PlaybackSession

pytestmark = pytest.mark.django_db


def play(player, clock, start, seconds, **kw):
    """Wall-clock `seconds` pass while the video plays [start, start+seconds], then a beat."""
    clock.advance(seconds)
    return player.beat([[start, start + seconds]], **kw)


def test_a_client_claiming_two_hours_in_one_minute_is_credited_at_most_one_minute(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(60)
    answer = player.beat([[0, 7200]], position=7200)
    assert answer["credited_seconds"] <= 60
    assert answer["lesson_seconds"] <= 60
    assert answer["lesson_complete"] is False


def test_honest_playback_is_credited_what_was_played(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    first = play(player, clock, 0, 20)
    second = play(player, clock, 20, 20)
    assert (first["credited_seconds"], second["credited_seconds"]) == (20, 20)
    assert second["lesson_seconds"] == 40
    assert second["coverage"] == pytest.approx(40 / 600, abs=1e-4)


def test_two_browsers_at_once_credit_only_the_newer_one(world, lesson, clock, player_for):
    first = player_for(world.teacher.user, lesson, Client())
    second = player_for(world.teacher.user, lesson, Client())
    old = play(first, clock, 0, 20)
    new = second.beat([[100, 120]])
    assert old["superseded"] is True
    assert old["credited_seconds"] == 0
    assert new["superseded"] is False
    assert new["credited_seconds"] == 20
    assert new["lesson_seconds"] == 20


def test_a_hidden_tab_credits_nothing(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    answer = play(player, clock, 0, 20, visible=False)
    assert answer["credited_seconds"] == 0
    assert answer["lesson_seconds"] == 0


def test_a_hidden_period_does_not_bank_wall_clock_time_for_later(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    play(player, clock, 0, 600, visible=False)
    clock.advance(20)
    answer = player.beat([[0, 600]])
    assert answer["credited_seconds"] == 20


def test_a_rate_above_the_programs_cap_credits_nothing(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(20)
    too_fast = player.beat([[0, 60]], rate=3.0)
    clock.advance(20)
    allowed = player.beat([[60, 90]], rate=1.5)
    assert too_fast["credited_seconds"] == 0
    assert allowed["credited_seconds"] == 20  # the wall-clock time, not the 30 s of video


@pytest.mark.parametrize("rate", [1.25, 1.5])
def test_faster_playback_earns_the_wall_clock_time_spent_and_no_more(world, lesson, clock, player_for, rate):
    player = player_for(world.teacher.user, lesson)
    clock.advance(21.1)
    answer = player.beat([[0, 21.1 * rate]], rate=rate)
    assert answer["credited_seconds"] == 21.1
    assert answer["lesson_seconds"] == 21.1
    assert answer["coverage"] == pytest.approx(21.1 / 600, abs=1e-4)


def test_at_the_fastest_rate_a_lesson_completes_only_after_its_duration_times_the_coverage(
        world, lesson, clock, player_for):
    """The whole 600 s lesson played at 1.5x takes 400 s and earns 400 s; playing on (any part,
    again) earns the rest in real time: complete at 95 % x 600 s = 570 s of wall-clock time."""
    player = player_for(world.teacher.user, lesson)
    wall = 0
    for start in range(0, 600, 30):
        clock.advance(20)
        wall += 20
        answer = player.beat([[start, start + 30]], rate=1.5)
        assert answer["lesson_seconds"] <= wall
    assert (answer["lesson_seconds"], answer["coverage"], answer["lesson_complete"]) == (400, 0.6667, False)
    for start in range(0, 600, 30):
        clock.advance(20)
        wall += 20
        answer = player.beat([[start, start + 30]], rate=1.5)
        assert answer["lesson_seconds"] <= wall
        assert answer["lesson_complete"] is (wall >= 570)
        if answer["lesson_complete"]:
            break
    assert wall == 580  # the first beat at or past 570 s
    assert LessonCompletion.objects.filter(teacher=world.teacher, lesson=lesson).count() == 1


def test_time_watched_faster_is_not_earned_again_by_watching_it_at_normal_speed(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    play(player, clock, 0, 20)
    again = play(player, clock, 0, 20)
    clock.advance(20)
    fast = player.beat([[20, 50]], rate=1.5)  # 30 s of video, 20 s of time: 10 s owed to real time
    clock.advance(10)
    repaid = player.beat([[0, 10]])  # watching anything again for 10 s earns those 10 s
    clock.advance(10)
    nothing_owed = player.beat([[10, 20]])
    assert [a["credited_seconds"] for a in (again, fast, repaid, nothing_owed)] == [0, 20, 10, 0]
    assert nothing_owed["lesson_seconds"] == 50


def test_a_paused_player_earns_nothing_for_time_it_owes_from_faster_playback(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(20)
    player.beat([[0, 30]], rate=1.5)
    clock.advance(600)  # paused on a visible page, then the tab is hidden: a beat with nothing played
    answer = player.beat([], rate=1.5)
    assert answer["credited_seconds"] == 0
    assert answer["lesson_seconds"] == 20


def test_seeking_to_the_end_does_not_complete_the_lesson(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    play(player, clock, 0, 20)
    clock.advance(20)
    answer = player.beat([[580, 600]], position=600)
    assert answer["lesson_seconds"] == 40
    assert answer["lesson_complete"] is False
    assert not LessonCompletion.objects.exists()


def test_a_replayed_beat_credits_nothing_more(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    first = play(player, clock, 0, 20)
    clock.advance(20)
    replay = player.beat([[0, 20]], seq=1)
    later = player.beat([[20, 40]])
    assert first["credited_seconds"] == 20
    assert replay["credited_seconds"] == 0
    assert replay["lesson_seconds"] == 20
    assert later["lesson_seconds"] == 40


def test_watching_a_part_again_earns_nothing_new(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    play(player, clock, 0, 20)
    again = play(player, clock, 0, 20)
    assert again["credited_seconds"] == 0
    assert again["lesson_seconds"] == 20


def test_a_beat_for_someone_elses_session_is_refused(world, lesson, clock, player_for, client):
    player = player_for(world.teacher.user, lesson, Client())
    client.force_login(world.teachers_a[2].user)
    clock.advance(20)
    body = json.dumps({"session": player.token, "seq": 1, "intervals": [[0, 20]], "rate": 1, "visible": True,
                       "position": 20})
    refused = client.post("/learn/heartbeat", body, content_type="text/plain")
    assert refused.status_code == 404
    assert refused.json()["error"] == str(services.SESSION_NOT_FOUND)
    assert PlaybackSession.objects.get(token=player.token).lesson_seconds == 0


def test_a_beat_without_login_is_refused(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson, Client())
    body = json.dumps({"session": player.token, "seq": 1, "intervals": [[0, 20]]})
    refused = Client().post("/learn/heartbeat", body, content_type="text/plain")
    assert refused.status_code == 401
    assert refused.json()["error"] == str(services.LOGIN_ENDED)


def test_a_stolen_token_with_another_login_of_the_same_teacher_is_refused(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson, Client())
    other_login = Client()
    other_login.force_login(world.teacher.user)
    clock.advance(20)
    body = json.dumps({"session": player.token, "seq": 1, "intervals": [[0, 20]], "rate": 1, "visible": True,
                       "position": 20})
    assert other_login.post("/learn/heartbeat", body, content_type="text/plain").status_code == 404
    assert PlaybackSession.objects.get(token=player.token).lesson_seconds == 0


def test_logging_out_stops_the_playback_from_earning(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson, Client())
    play(player, clock, 0, 20)
    player.client.post("/accounts/logout/")
    clock.advance(20)
    body = json.dumps({"session": player.token, "seq": 99, "intervals": [[20, 40]], "rate": 1, "visible": True,
                       "position": 40})
    # Even a client that kept the old cookie earns nothing more.
    player.client.cookies[settings.SESSION_COOKIE_NAME] = player.login_session_key
    answer = player.client.post("/learn/heartbeat", body, content_type="text/plain")
    assert answer.json()["superseded"] is True
    assert PlaybackSession.objects.get(token=player.token).lesson_seconds == 20


def test_watching_keeps_the_login_session_alive(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson, Client())
    session = player.client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 20 * 60  # 20 of the 30 idle minutes used up
    session.save()
    clock.advance(services.LOGIN_CHECK_SECONDS)
    assert player.beat([[0, 20]])["credited_seconds"] == 20
    assert int(time.time()) - player.client.session[LAST_SEEN_KEY] < 60  # seen again just now
    assert player.client.get("/learn/lessons/").status_code == 200  # so the next page is still logged in


def test_an_idle_login_ends_the_playback_at_the_next_login_check(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson, Client())
    session = player.client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60  # idle past the 30 minutes
    session.save()
    clock.advance(services.LOGIN_CHECK_SECONDS)
    body = json.dumps({"session": player.token, "seq": 1, "intervals": [[0, 20]], "rate": 1, "visible": True,
                       "position": 20})
    ended = player.client.post("/learn/heartbeat", body, content_type="text/plain")
    assert ended.status_code == 401
    assert ended.json()["error"] == str(services.LOGIN_ENDED)
    assert PlaybackSession.objects.get(token=player.token).superseded


def test_a_malformed_beat_is_answered_400(world, lesson, clock, player_for, client):
    player_for(world.teacher.user, lesson)
    response = client.post("/learn/heartbeat", "not json", content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["error"] == str(services.BEAT_BAD_REQUEST)


def test_the_heartbeat_needs_no_csrf_header_but_starting_does(world, lesson, clock):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.teacher.user)
    assert browser.post(f"/learn/lessons/{lesson.pk}/start").status_code == 403
    session = services.playback_start(user=world.teacher.user, teacher=world.teacher, lesson=lesson,
                                      login_session_key=browser.session.session_key)
    clock.advance(20)
    body = json.dumps({"session": session.token, "seq": 1, "intervals": [[0, 20]], "rate": 1, "visible": True,
                       "position": 20})
    answer = browser.post("/learn/heartbeat", body, content_type="text/plain")
    assert answer.status_code == 200
    assert answer.json()["credited_seconds"] == 20


def test_the_daily_cap_stops_crediting_for_the_day(world, lesson, clock, player_for, program_1, settings):
    rules = dict(program_1.rules, online={**program_1.rules.get("online", {}), "daily_cap_hours": "0.1"})
    program_1.rules = rules
    program_1.save()
    cap = 0.1 * program_1.ruleset.minutes_per_hour * 60  # 0.1 学时 in seconds
    player = player_for(world.teacher.user, lesson)
    first = play(player, clock, 0, 300)
    clock.advance(3600)
    # A new session the same day starts from what the day has credited already.
    again = player_for(world.teacher.user, lesson.course.lessons.get(order=2))
    clock.advance(100)
    second = again.beat([[0, 100]])
    assert first["credited_seconds"] == pytest.approx(cap, abs=0.1)
    assert second["credited_seconds"] == 0
    clock.advance(24 * 3600)
    next_day = again.beat([[100, 120]])
    assert next_day["credited_seconds"] == 20


def test_a_lesson_completes_at_the_programs_coverage_and_the_course_is_credited_once(
        world, course, clock, player_for):
    lesson_1, lesson_2 = course.lessons.order_by("order")
    player = player_for(world.teacher.user, lesson_1)
    for start in range(0, 560, 20):
        answer = play(player, clock, start, 20)
    assert answer["lesson_seconds"] == 560
    assert answer["lesson_complete"] is False
    answer = play(player, clock, 560, 12)  # 572 s = 95.3 %
    assert answer["lesson_complete"] is True
    assert answer["course_complete"] is False
    assert not LedgerEntry.objects.exists()

    player = player_for(world.teacher.user, lesson_2)
    clock.advance(600)
    answer = player.beat([[0, 600]])
    assert answer["lesson_complete"] is True
    assert answer["course_complete"] is True
    more = play(player, clock, 0, 20)
    services.course_completion_check(teacher=world.teacher, course=course)
    entry = LedgerEntry.objects.get()
    assert (entry.teacher, entry.program, entry.category, entry.hours) == (world.teacher, course.program, "online",
                                                                           course.hours)
    assert (entry.source_kind, entry.source_id) == ("course", str(course.pk))
    assert more["course_complete"] is True


def test_a_course_with_a_quiz_is_credited_only_after_the_quiz_is_passed(world, course, clock, player_for):
    from tisheng.learning.models import Question, Quiz, QuizAttempt

    quiz = Quiz.objects.create(course=course)
    Question.objects.create(quiz=quiz, text="1+1?", choices=["1", "2"], correct=1)
    for lesson in course.lessons.all():
        player = player_for(world.teacher.user, lesson)
        clock.advance(600)
        answer = player.beat([[0, 600]])
    assert answer["lesson_complete"] is True
    assert answer["course_complete"] is False
    assert not LedgerEntry.objects.exists()
    QuizAttempt.objects.create(quiz=quiz, teacher=world.teacher, score=100, passed=True)
    assert services.course_completion_check(teacher=world.teacher, course=course) is True
    assert LedgerEntry.objects.get().hours == course.hours


def test_a_presence_check_pauses_crediting_until_answered(world, lesson, clock, player_for, program_1, monkeypatch):
    program_1.rules = dict(program_1.rules, online={**program_1.rules.get("online", {}),
                                                     "presence_check_every_minutes": 1})
    program_1.save()
    monkeypatch.setattr(services, "_presence_gap", lambda every: every)
    player = player_for(world.teacher.user, lesson)
    play(player, clock, 0, 30)
    popped = play(player, clock, 30, 30)
    paused = play(player, clock, 60, 30)
    check = popped["presence_check"]
    assert check is not None
    assert paused["credited_seconds"] == 0
    assert paused["presence_check"] == check

    session = PlaybackSession.objects.get(token=player.token)
    wrong = player.client.post("/learn/presence", json.dumps({"session": player.token, "id": check["id"],
                                                                "answer": "-1"}), content_type="application/json")
    assert wrong.json() == {"ok": False, "error": str(services.PRESENCE_WRONG)}
    right = player.client.post("/learn/presence", json.dumps({"session": player.token, "id": check["id"],
                                                                "answer": session.presence_answer}),
                               content_type="application/json")
    assert right.json()["ok"] is True
    resumed = play(player, clock, 60, 20)
    assert resumed["credited_seconds"] == 20
    assert resumed["presence_check"] is None


def test_a_beat_is_two_queries(world, lesson, clock, player_for, django_assert_num_queries):
    player = player_for(world.teacher.user, lesson)
    play(player, clock, 0, 20)
    clock.advance(20)
    with django_assert_num_queries(2):  # the playback row and its UPDATE: no login session, no user
        player.beat([[20, 40]])
