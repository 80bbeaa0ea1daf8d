"""The demo's study classes: made through the services, for the 2.0 program in the demo county."""

import pytest

from tisheng.accounts.models import RoleAssignment
from tisheng.communities.models import ClassTutor, StudyClass, Workshop
from tisheng.communities.seed import communities_seed_demo
from tisheng.communities.seed_workshops import workshops_seed_demo
from tisheng.learning.tests.factories import contract, enroll
from tisheng.ledger.models import LedgerEntry
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
    assert communities_seed_demo(school_code=world.school_a.code) == "skipped; workshop: skipped; pair: skipped"


def test_the_demo_has_a_workshop_with_a_lesson_preparation_in_progress_and_a_closed_live_session(world, program_2):
    UserFactory(name="鼓楼区工程办管理员", phone="13800000003").role_assignments.create(
        role="county_office", region=world.county_a)
    world.teacher.user.phone = "13800000008"
    world.teacher.user.save()
    enroll(program_2, *world.teachers_a, world.teacher_a2)

    result = workshops_seed_demo(school_code=world.school_a.code)

    workshop = Workshop.objects.get()
    assert workshop.leader.teacher == world.teacher_a2, result
    prep = workshop.activities.get(kind="lesson_prep")
    assert prep.credited_at is None
    assert prep.design_versions.count() == 2
    assert prep.design_comments.count() == 2
    live = workshop.activities.get(kind="live")
    assert live.credited_at is not None
    assert LedgerEntry.objects.filter(source_kind="communities.workshop", source_id=str(live.pk)).count() == 3
    assert workshops_seed_demo(school_code=world.school_a.code) == "skipped"


def test_the_demo_has_a_city_rural_pair_with_a_month_of_activity(world):
    from tisheng.communities.models import PairActivity, SchoolPair
    from tisheng.communities.seed_pairing import pairing_seed_demo
    from tisheng.orgs.tests.factories import SchoolFactory
    from tisheng.people.tests.factories import TeacherFactory

    UserFactory(name="福州市工程办管理员", phone="13800000002").role_assignments.create(
        role="city_office", region=world.city_a)
    world.teacher.user.phone = "13800000008"
    world.teacher.user.save()
    county = world.county_a.__class__.objects.create(code="350121", name="闽侯县", level="county",
                                                     parent=world.city_a, path=f"{world.city_a.path}/350121")
    rural = SchoolFactory(county=county, code="3501210001", name="闽侯县乡村小学", is_rural=True)
    TeacherFactory(school=rural, name="乡村教师")

    result = pairing_seed_demo(school_code=world.school_a.code)

    pair = SchoolPair.objects.get()
    assert (pair.strong_school, pair.school, pair.scope_path) == (world.school_a, rural, world.city_a.path), result
    assert pair.mentors.get().mentee.user.phone == "13800001631"
    activities = PairActivity.objects.filter(pair=pair)
    assert activities.count() == 5
    assert activities.exclude(file_name="").count() == 1
    assert pairing_seed_demo(school_code=world.school_a.code) == "skipped"
