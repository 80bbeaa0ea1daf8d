"""The demo catalogue is honest: every lesson plays a video this server holds (no link to a host
that does not exist), each video is as long as its lesson, and a course's lessons add up to its
学时 at the program's minutes per 学时."""

import shutil

import pytest
from mutagen.mp4 import MP4

from tisheng.learning.models import Course, Lesson
from tisheng.learning.seed import COURSES, learning_seed_demo
from tisheng.learning.services import course_content
from tisheng.learning.tests.factories import enroll
from tisheng.orgs.tests.factories import OrganizationFactory

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (make system-deps)")


@pytest.fixture
def seeded(world, program_2, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    for code in COURSES:
        OrganizationFactory(code=code, name=code, kind="institution", region=world.province)
    enroll(program_2, world.teacher)
    learning_seed_demo()
    return tmp_path


def test_every_demo_lesson_plays_a_video_stored_on_this_server(seeded):
    lessons = list(Lesson.objects.all())

    assert len(lessons) == sum(len(spec[5]) for specs in COURSES.values() for spec in specs)
    assert all(lesson.video_url == "" for lesson in lessons)
    for lesson in lessons:
        with (seeded / lesson.video_file).open("rb") as video:
            assert MP4(video).info.length == pytest.approx(lesson.duration_seconds, abs=1)


def test_every_demo_course_has_lessons_that_add_up_to_its_hours(seeded):
    courses = list(Course.objects.select_related("program"))

    assert courses
    for course in courses:
        content = course_content(course)
        assert content.enough, course.title
        assert content.seconds == pytest.approx(float(content.needed_seconds), abs=len(COURSES))
