"""The demo's study classes: made through the services, for the 2.0 program in the demo county."""

import pytest

from tisheng.accounts.models import RoleAssignment
from tisheng.communities.models import ClassTutor, StudyClass
from tisheng.communities.seed import communities_seed_demo
from tisheng.learning.tests.factories import contract, enroll
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_classes_with_tutors_a_reminder_an_announcement_and_a_bulletin(world, program_2):
    org = OrganizationFactory(code="INST-FJNU", name="福建师范大学继续教育学院", kind="institution",
                              region=world.province)
    manager = UserFactory(name="福建师大继教院管理员", phone="13800000005")
    RoleAssignment.objects.create(user=manager, role="institution", organization=org)
    contract(program_2, org, world.county_a)
    enroll(program_2, *world.teachers_a, world.teacher_a2)

    result = communities_seed_demo(school_code=world.school_a.code)

    first, second = StudyClass.objects.order_by("pk")
    assert first.members.count() == 3, result
    assert second.members.count() == 1
    assert ClassTutor.objects.count() == 2
    assert first.announcements.exists()
    assert first.bulletins.exists()
    assert first.reminders.exists()
    assert first.assignments.count() == 1
    assert communities_seed_demo(school_code=world.school_a.code) == "skipped"
