"""The lesson page shows one course percentage, the same number everywhere (the time credited
over the course's length, rounded down), and hands the player what it needs to update it when a
lesson ends, without a reload."""

import json
import re

import pytest

from tisheng.playback import selectors

pytestmark = pytest.mark.django_db


def config(page: str) -> dict:
    return json.loads(re.search(r'<script id="player-config" type="application/json">(.*?)</script>', page, re.S)[1])


def test_the_course_percentage_is_the_time_credited_over_the_course_rounded_down(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(299)
    player.beat([[0, 299]])  # 299 of the course's 1,200 seconds: 24.9 %

    page = player.client.get(f"/learn/lessons/{lesson.pk}/").content.decode()

    assert '<strong id="course-percent">24</strong>' in page
    assert '<strong id="lesson-percent">49</strong>' in page  # 299 / 600 = 49.8 %, not rounded up to 50
    assert 'data-lesson-percent="49"' in page  # the lesson's row in the table says the same


def test_a_started_course_under_one_percent_is_shown_as_under_one_not_as_nothing(world, lesson, clock, player_for):
    lesson.course.lessons.filter(order=2).update(duration_seconds=60_000)
    player = player_for(world.teacher.user, lesson)
    clock.advance(30)
    player.beat([[0, 30]])

    page = player.client.get(f"/learn/lessons/{lesson.pk}/").content.decode()

    assert '<strong id="course-percent">&lt;1</strong>' in page


def test_the_player_gets_each_lessons_length_and_credit_to_update_the_course_progress(world, lesson, clock,
                                                                                      player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(120)
    player.beat([[0, 120]])

    cfg = config(player.client.get(f"/learn/lessons/{lesson.pk}/").content.decode())

    assert [(row["duration"], row["seconds"], row["complete"]) for row in cfg["lessons"]] == [
        (600, 120.0, False), (600, 0.0, False)]
    assert cfg["lesson"] == lesson.pk
    assert cfg["resume_at"] == 120.0  # where the video starts, before any session is started


def test_opening_the_lesson_page_starts_no_playback(world, lesson, client):
    client.force_login(world.teacher.user)

    client.get(f"/learn/lessons/{lesson.pk}/")

    assert not lesson.playback_sessions.exists()
    assert lesson.course.selections.get(teacher=world.teacher).started_at is None


def test_progress_pages_are_never_served_from_the_browser_cache(world, lesson, client):
    client.force_login(world.teacher.user)

    for url in (f"/learn/lessons/{lesson.pk}/", "/learn/lessons/"):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_my_lessons_shows_the_same_rounded_down_percentage(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(299)
    player.beat([[0, 299]])

    assert selectors.my_lessons(world.teacher)[0]["percent"] == 49
    assert "49 %" in player.client.get("/learn/lessons/").content.decode()


def test_the_course_complete_badge_shows_only_once_its_hours_are_credited(world, lesson, client):
    from decimal import Decimal

    from tisheng.ledger.services import ledger_credit

    def badge() -> str:
        page = client.get(f"/learn/lessons/{lesson.pk}/").content.decode()
        return re.search(r'<span id="course-state"[^>]*>(.*?)</span>', page, re.S)[1]

    client.force_login(world.teacher.user)
    assert badge() == ""

    ledger_credit(teacher=world.teacher, program=lesson.course.program, category="online", hours=Decimal("10"),
                  source_kind="course", source_id=str(lesson.course.pk), granted_by_system="playback")

    assert badge() == "课程已完成，学时已计入"
