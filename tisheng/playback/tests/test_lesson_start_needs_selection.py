"""A lesson is played (and earns anything) only in a course the teacher selected in a program
they are enrolled in: the page says so and links to the catalogue, starting answers 403."""

import pytest

from tisheng.learning.models import CourseSelection
from tisheng.ledger.models import LedgerEntry
from tisheng.playback import services
from tisheng.playback.models import PlaybackSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def unselected(world, course):
    """The course, which world.teacher may select (it is in their catalogue) but has not."""
    CourseSelection.objects.filter(teacher=world.teacher, course=course).delete()
    return course


def test_the_lesson_page_of_a_course_not_selected_says_to_select_it_first(world, unselected, client):
    lesson = unselected.lessons.get(order=1)
    client.force_login(world.teacher.user)
    page = client.get(f"/learn/lessons/{lesson.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "请先选课，再开始学习" in html
    assert str(services.COURSE_NOT_SELECTED) in html
    assert f'href="/learning/catalogue/?program={unselected.program_id}&amp;q={unselected.code}"' in html
    assert "playback/player.js" not in html
    assert 'id="player"' not in html


def test_starting_a_lesson_of_a_course_not_selected_is_refused(world, unselected, client):
    lesson = unselected.lessons.get(order=1)
    client.force_login(world.teacher.user)
    response = client.post(f"/learn/lessons/{lesson.pk}/start")
    assert response.status_code == 403
    assert response.json() == {"error": str(services.COURSE_NOT_SELECTED)}
    assert not PlaybackSession.objects.filter(teacher=world.teacher).exists()


def test_the_service_refuses_to_start_a_course_not_selected(world, unselected):
    with pytest.raises(services.CourseNotSelected):
        services.playback_start(user=world.teacher.user, teacher=world.teacher,
                                lesson=unselected.lessons.get(order=1), login_session_key="k")
    assert not PlaybackSession.objects.exists()


def test_the_outsider_still_gets_404_not_403(world, course, client):
    client.force_login(world.outsider)
    assert client.post(f"/learn/lessons/{course.lessons.get(order=1).pk}/start").status_code == 404


def test_once_selected_the_same_lesson_starts(world, unselected, client, clock):
    lesson = unselected.lessons.get(order=1)
    client.force_login(world.teacher.user)
    assert client.post(f"/learn/lessons/{lesson.pk}/start").status_code == 403
    CourseSelection.objects.create(teacher=world.teacher, program=unselected.program, course=unselected)
    assert client.post(f"/learn/lessons/{lesson.pk}/start").status_code == 200
    assert CourseSelection.objects.get(teacher=world.teacher, course=unselected).started_at is not None


def test_a_playback_whose_course_is_no_longer_selected_credits_no_hours(world, course, clock, player_for):
    """A playback started before this rule (or a selection removed behind the services' back)
    may complete lessons, but the course's hours need the selection."""
    first, second = course.lessons.order_by("order")
    player = player_for(world.teacher.user, first)
    clock.advance(600)
    assert player.beat([[0, 600]])["lesson_complete"] is True
    player = player_for(world.teacher.user, second)
    CourseSelection.objects.filter(teacher=world.teacher, course=course).delete()
    clock.advance(600)
    answer = player.beat([[0, 600]])
    assert (answer["lesson_complete"], answer["course_complete"]) == (True, False)
    assert not LedgerEntry.objects.filter(teacher=world.teacher).exists()
