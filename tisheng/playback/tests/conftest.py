"""A course to play: an institution contracted for program 1.0 in county A, a published
course of two 600-second lessons, the world's teachers enrolled and county A's teachers having
selected it; and a clock tests move."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.conf import settings

from tisheng.learning.models import Contract, Course, CourseSelection, Lesson
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.playback import services
from tisheng.programs.models import Enrollment

T0 = 1_789_956_800.0  # 2026-09-21 10:13:20 in Shanghai, a fixed start for every test


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(services, "clock", c)
    return c


def enroll(program, teacher) -> Enrollment:
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path)


def select(teacher, course) -> CourseSelection:
    """The teacher's selection of `course` (playing its lessons needs one)."""
    return CourseSelection.objects.create(teacher=teacher, program=course.program, course=course)


@pytest.fixture
def course(world, program_1) -> Course:
    institution = OrganizationFactory(code="INST01", name="福建教育学院网络研修中心", kind="institution",
                                      region=world.province)
    Contract.objects.create(program=program_1, institution=institution, region=world.county_a,
                            region_path=world.county_a.path)
    course = Course.objects.create(institution=institution, program=program_1, code="C01", title="多媒体课件制作",
                                   hours=Decimal("10"), topics=["T1"], status=Course.Status.PUBLISHED)
    Lesson.objects.create(course=course, order=1, title="第一讲", duration_seconds=600, video_file="videos/c01-1.mp4")
    Lesson.objects.create(course=course, order=2, title="第二讲", duration_seconds=600)
    for teacher in [*world.teachers_a, world.teacher_b]:
        enroll(program_1, teacher)
    for teacher in world.teachers_a:  # county B has no contract: the course is not in teacher_b's catalogue
        select(teacher, course)
    return course


@pytest.fixture
def lesson(course) -> Lesson:
    return course.lessons.get(order=1)


class Player:
    """A scripted client of the real endpoints, logged in as one teacher."""

    def __init__(self, client, lesson) -> None:
        self.client = client
        response = client.post(f"/learn/lessons/{lesson.pk}/start")
        assert response.status_code == 200, response.content
        self.started = response.json()
        self.token = self.started["session"]
        self.login_session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.seq = 0

    def beat(self, intervals, *, rate=1.0, visible=True, position=None, seq=None) -> dict:
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {"session": self.token, "seq": seq, "intervals": intervals, "rate": rate, "visible": visible,
                "position": position if position is not None else (intervals[-1][1] if intervals else 0)}
        response = self.client.post("/learn/heartbeat", json.dumps(body), content_type="text/plain")
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def player_for(client, clock):
    def start(user, lesson, the_client=None) -> Player:
        c = the_client or client
        c.force_login(user)
        return Player(c, lesson)

    return start
