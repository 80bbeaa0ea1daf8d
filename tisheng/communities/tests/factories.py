"""Study-class test data: an institution contracted for county A with a manager and two tutors,
county A's teachers enrolled in the 2.0 program."""

from __future__ import annotations

from tisheng.accounts.models import RoleAssignment
from tisheng.communities.models import ClassTutor
from tisheng.communities.services import class_create
from tisheng.learning.tests.factories import contract, enroll, institution
from tisheng.people.tests.factories import UserFactory


class Setup:
    pass


def classes_world(world, program) -> Setup:
    s = Setup()
    s.program = program
    s.org, s.manager = institution(world, "INST-COMM", "福建师大继续教育学院", "13800000901")
    contract(program, s.org, world.county_a)
    s.tutor = UserFactory(name="陈辅导", phone="13800000902")
    RoleAssignment.objects.create(user=s.tutor, role="tutor", organization=s.org)
    s.other_tutor = UserFactory(name="周辅导", phone="13800000903")
    RoleAssignment.objects.create(user=s.other_tutor, role="tutor", organization=s.org)
    s.enrollments = enroll(program, *world.teachers_a, world.teacher_a2, world.teacher_b)
    return s


def formed_class(world, s: Setup, *, name: str = "鼓楼区2.0研修一班", tutor=True):
    study_class, _ = class_create(actor=s.manager, organization=s.org, program=s.program, region=world.county_a,
                                  name=name)
    if tutor:
        ClassTutor.objects.create(study_class=study_class, user=s.tutor)
    return study_class
