"""The lesson page, its video with range requests, resuming, and who may see them."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tisheng.learning.models import Contract, CourseSelection, Lesson
from tisheng.playback import selectors, services
from tisheng.playback.tests.conftest import T0, enroll

pytestmark = pytest.mark.django_db

VIDEO = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def video(settings, tmp_path, lesson):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "c01-1.mp4").write_bytes(VIDEO)
    return lesson


def test_a_teacher_sees_the_lesson_with_its_video_and_the_course_progress(world, lesson, client):
    client.force_login(world.teacher.user)
    page = client.get(f"/learn/lessons/{lesson.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="/learn/lessons/{lesson.pk}/video"' in html
    assert "第一讲" in html
    assert "第二讲" in html
    assert "playback/player.js" in html


def test_the_lesson_page_shows_what_was_watched(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(300)
    player.beat([[0, 300]])
    page = player.client.get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert '<strong id="lesson-percent">50</strong>' in page


def test_after_faster_playback_the_lesson_page_shows_the_time_credited_not_the_video_played(
        world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(300)
    player.beat([[0, 450]], rate=1.5)  # three quarters of the video in half its duration
    page = player.client.get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert '<strong id="lesson-percent">50</strong>' in page
    assert "倍速播放时，学时按实际观看用时计算。" in page  # what the player says at a faster rate


def test_the_outsider_gets_404_for_the_lesson_its_video_and_its_start(world, video, client):
    client.force_login(world.outsider)
    assert client.get(f"/learn/lessons/{video.pk}/").status_code == 404
    assert client.get(f"/learn/lessons/{video.pk}/video").status_code == 404
    assert client.post(f"/learn/lessons/{video.pk}/start").status_code == 404


def test_a_teacher_of_a_region_without_a_contract_gets_404(world, lesson, client):
    client.force_login(world.teacher_b.user)  # enrolled in the program, but county B has no contract
    assert client.get(f"/learn/lessons/{lesson.pk}/").status_code == 404


def test_a_contract_for_the_province_reaches_every_county(world, lesson, client):
    Contract.objects.create(program=lesson.course.program, institution=lesson.course.institution,
                            region=world.province, region_path=world.province.path)
    client.force_login(world.teacher_b.user)
    assert client.get(f"/learn/lessons/{lesson.pk}/").status_code == 200


def test_a_county_choice_replaces_the_provinces_selection_for_the_player_too(world, lesson, client):
    from tisheng.orgs.tests.factories import OrganizationFactory

    Contract.objects.create(program=lesson.course.program, institution=lesson.course.institution,
                            region=world.province, region_path=world.province.path)
    other = OrganizationFactory(code="INST02", kind="institution", region=world.province)
    Contract.objects.create(program=lesson.course.program, institution=other, region=world.county_b,
                            region_path=world.county_b.path)
    client.force_login(world.teacher_b.user)  # county B chose another institution
    assert client.get(f"/learn/lessons/{lesson.pk}/").status_code == 404


def test_a_teacher_not_enrolled_in_the_program_gets_404(world, lesson, client):
    client.force_login(world.teacher_a2.user)
    assert client.get(f"/learn/lessons/{lesson.pk}/").status_code == 404


def test_a_draft_course_is_not_playable(world, lesson, client):
    lesson.course.status = "draft"
    lesson.course.save()
    client.force_login(world.teacher.user)
    assert client.get(f"/learn/lessons/{lesson.pk}/").status_code == 404


def test_the_video_is_served_whole_with_accept_ranges(world, video, client):
    client.force_login(world.teacher.user)
    response = client.get(f"/learn/lessons/{video.pk}/video")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == VIDEO


def test_a_range_request_gets_206_with_only_those_bytes(world, video, client):
    client.force_login(world.teacher.user)
    response = client.get(f"/learn/lessons/{video.pk}/video", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert response["Content-Length"] == "100"
    assert b"".join(response.streaming_content) == VIDEO[100:200]


def test_open_and_suffix_ranges_are_understood(world, video, client):
    client.force_login(world.teacher.user)
    tail = client.get(f"/learn/lessons/{video.pk}/video", HTTP_RANGE="bytes=10000-")
    last = client.get(f"/learn/lessons/{video.pk}/video", HTTP_RANGE="bytes=-40")
    assert b"".join(tail.streaming_content) == VIDEO[10000:]
    assert tail["Content-Range"] == f"bytes 10000-{len(VIDEO) - 1}/{len(VIDEO)}"
    assert b"".join(last.streaming_content) == VIDEO[-40:]


def test_a_range_past_the_end_gets_416(world, video, client):
    client.force_login(world.teacher.user)
    response = client.get(f"/learn/lessons/{video.pk}/video", HTTP_RANGE="bytes=99999-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_a_video_path_outside_the_private_root_is_not_served(world, video, client):
    Lesson.objects.filter(pk=video.pk).update(video_file="../../etc/passwd")
    client.force_login(world.teacher.user)
    assert client.get(f"/learn/lessons/{video.pk}/video").status_code == 404


def test_the_player_resumes_from_the_last_position(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(40)
    player.beat([[100, 140]], position=140)
    again = player_for(world.teacher.user, lesson)
    assert again.started["resume_at"] == 140
    assert again.started["lesson_seconds"] == 40
    assert again.started["heartbeat_seconds"] == 20


def test_starting_marks_the_selection_started(world, lesson, clock, player_for):
    selection = CourseSelection.objects.get(teacher=world.teacher, course=lesson.course)
    assert selection.started_at is None
    player_for(world.teacher.user, lesson)
    selection.refresh_from_db()
    assert selection.started_at is not None


def test_last_activity_is_the_time_of_the_last_beat(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(20)
    player.beat([[0, 20]])
    activity = selectors.last_activity_by_teacher([world.teacher.pk, world.teachers_a[2].pk])
    assert activity == {world.teacher.pk: dt.datetime.fromtimestamp(T0 + 20, dt.UTC)}


def test_the_lesson_page_query_count_does_not_grow_with_lessons(world, lesson, clock):
    client = Client()
    client.force_login(world.teacher.user)
    services.playback_start(user=world.teacher.user, teacher=world.teacher, lesson=lesson,
                            login_session_key=client.session.session_key)
    client.get(f"/learn/lessons/{lesson.pk}/")  # the first request of a login writes the session
    with CaptureQueriesContext(connection) as two_lessons:
        client.get(f"/learn/lessons/{lesson.pk}/")
    for order in range(3, 13):
        other = Lesson.objects.create(course=lesson.course, order=order, title=f"第{order}讲", duration_seconds=60)
        services.playback_start(user=world.teacher.user, teacher=world.teacher, lesson=other,
                                login_session_key=client.session.session_key)
    with CaptureQueriesContext(connection) as twelve_lessons:
        page = client.get(f"/learn/lessons/{lesson.pk}/")
    assert "第12讲" in page.content.decode()
    assert len(twelve_lessons) == len(two_lessons)


def test_my_lessons_lists_the_lessons_of_selected_courses_with_progress(world, lesson, clock, player_for):
    player = player_for(world.teacher.user, lesson)
    clock.advance(60)
    player.beat([[0, 60]])
    page = player.client.get("/learn/lessons/").content.decode()
    assert f'href="/learn/lessons/{lesson.pk}/"' in page
    assert "10 %" in page


def test_my_lessons_of_the_outsider_is_404_and_shows_nothing_of_county_a(world, lesson, client):
    client.force_login(world.outsider)
    assert client.get("/learn/lessons/").status_code == 404
    CourseSelection.objects.create(teacher=world.teacher_b, program=lesson.course.program, course=lesson.course)
    client.force_login(world.teacher_b.user)  # selected, but no contract for county B
    assert "第一讲" not in client.get("/learn/lessons/").content.decode()


def test_the_demo_seed_gives_the_demo_teacher_a_playable_lesson(world, program_1, settings, tmp_path):
    from tisheng.accounts.models import User
    from tisheng.orgs.tests.factories import OrganizationFactory
    from tisheng.playback.seed import DEMO_TEACHER_PHONE, playback_demo_seed

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    User.objects.filter(pk=world.teacher.user.pk).update(phone=DEMO_TEACHER_PHONE)
    enroll(program_1, world.teacher)
    OrganizationFactory(code="INST09", kind="institution", region=world.province)
    lesson = playback_demo_seed()
    assert selectors.get_lesson_for_teacher(world.teacher, lesson.pk) == lesson
    rows = selectors.my_lessons(world.teacher)
    assert rows[0]["lesson"] == lesson
    assert lesson.duration_seconds == 12  # a demo can finish it in seconds
    # The course's content backs its 学时: the second lesson holds the rest of the 45 minutes.
    assert sum(p["lesson"].duration_seconds for p in rows) == 45 * 60
    # The demo teacher selected what the browser test plays, so it starts.
    services.playback_start(user=world.teacher.user, teacher=world.teacher, lesson=lesson, login_session_key="k")
    for p in rows:
        assert p["lesson"].video_url == ""
        assert (tmp_path / p["lesson"].video_file).stat().st_size > 1000


def test_a_teacher_finds_my_lessons_in_the_navigation_and_the_outsider_does_not(world, client):
    client.force_login(world.teacher.user)
    assert 'href="/learn/lessons/"' in client.get("/").content.decode()
    client.force_login(world.outsider)
    assert 'href="/learn/lessons/"' not in client.get("/").content.decode()
