"""Two institutions: A contracted for county A in program 2.0 (with a course that has an xAPI
activity id), B contracted for county B. Teachers of county A are enrolled."""

import uuid

import pytest

from tisheng.integration.auth import XapiClient
from tisheng.integration.selectors import platform_id
from tisheng.learning.tests.factories import contract, course, enroll, institution


class Setup:
    pass


@pytest.fixture
def lrs(world, program_2):
    s = Setup()
    s.program = program_2
    s.inst_a, s.inst_a_user = institution(world, "INST-A", "福建师大网络教育", "13800000101")
    s.inst_b, s.inst_b_user = institution(world, "INST-B", "厦门远程研修院", "13800000102")
    # County contracts only (a province-level contract would reach every county).
    contract(program_2, s.inst_a, world.county_a)
    contract(program_2, s.inst_b, world.county_b)
    s.course = course(program_2, s.inst_a, "A-101", hours="12")
    s.course.activity_id = "https://lms.inst-a.example.com/course/101"
    s.course.save()
    s.course_b = course(program_2, s.inst_b, "B-201", hours="8")
    s.course_b.activity_id = "https://lms.inst-b.example.com/course/201"
    s.course_b.save()
    s.enrollments = enroll(program_2, *world.teachers_a, world.teacher_b)
    s.client_a = XapiClient(institution_id=s.inst_a.pk, name=s.inst_a.name, credential_key="key-a")
    s.client_b = XapiClient(institution_id=s.inst_b.pk, name=s.inst_b.name, credential_key="key-b")
    return s


def statement(teacher, activity_id: str, *, verb: str = "http://adlnet.gov/expapi/verbs/completed",
              result: dict | None = None, home_page: str | None = None, name: str | None = None) -> dict:
    from django.conf import settings

    st = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": home_page or settings.SITE_URL,
                                                      "name": name or platform_id(teacher)}},
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": activity_id},
        "stored": "2026-11-25T01:00:00.000Z",
    }
    if result is not None:
        st["result"] = result
    return st
