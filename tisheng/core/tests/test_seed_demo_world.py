"""The demo world `tisheng seed --scale demo` makes: its schools, teachers, accounts and scopes.

Seeded once for the module (inside a transaction rolled back at the end); each test runs in
its own savepoint on top of it.
"""

import pytest
from django.db import transaction
from django.http import Http404
from django.test import override_settings
from django.utils import translation

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Cap
from tisheng.core.seed import DEMO_PASSWORD, demo_accounts
from tisheng.core.seed.run import SeedError, seed_run
from tisheng.core.seed.schools import DEMO_SCHOOL_CODE
from tisheng.orgs.models import Organization, Region, School
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.people.models import Teacher, TeacherPosting

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast), translation.override("en"),
          transaction.atomic()):
        yield seed_run(scale="demo")
        transaction.set_rollback(True)


def test_demo_seed_makes_300_schools_and_about_8000_teachers_through_the_roster_path(demo_world):
    assert School.objects.count() == demo_world.schools == 300
    assert 7_500 <= Teacher.objects.count() == demo_world.teachers <= 8_500
    # The roster's bulk path made a posting, a login and the teacher role for everyone.
    assert TeacherPosting.objects.filter(source="seed").count() == demo_world.teachers
    assert RoleAssignment.objects.filter(role="teacher").count() == demo_world.teachers
    assert not Teacher.objects.filter(user__isnull=True).exists()
    school = School.objects.get(code=DEMO_SCHOOL_CODE)
    assert school.teacher_count == school.teachers.filter(status="active").count() > 0
    assert school.path == "35/3501/350102/3501020001"


def test_every_city_has_schools_and_the_demo_county_about_25(demo_world):
    for city in Region.objects.filter(level="city").exclude(code="3590"):
        assert School.objects.filter(path__startswith=city.path + "/").exists(), city.name
    assert School.objects.filter(county__code="350102").count() == 25


def test_every_demo_account_logs_in_with_the_demo_password(demo_world, client):
    for account in demo_accounts():
        assert client.login(username=account.phone, password=DEMO_PASSWORD), account.phone
        client.logout()


def test_demo_accounts_hold_their_role_at_their_node(demo_world):
    for account in demo_accounts():
        user = User.objects.get(phone=account.phone)
        assignment = user.role_assignments.get(role=account.role)
        assert assignment.node.code == account.node_code
    college = Organization.objects.get(code="TC350102")
    assert (college.name, college.kind, college.region.code) == ("福州市鼓楼区教师进修学校", "teacher_college", "350102")
    assert Organization.objects.filter(kind="teacher_college").count() >= 10
    assert Organization.objects.filter(kind="institution").count() >= 3


def test_the_demo_teacher_is_a_seeded_teacher_of_the_demo_school(demo_world):
    teacher = Teacher.objects.get(user__phone="13800000008")
    assert teacher.school.code == DEMO_SCHOOL_CODE
    assert teacher.phone == "13800000008"
    assert any(a.phone == "13800000008" and a.name == teacher.name for a in demo_world.accounts)


def test_the_other_county_office_sees_nothing_of_the_demo_county(demo_world):
    outsider = User.objects.get(phone="13800000012")
    gulou = Teacher.objects.filter(org_path__startswith="35/3501/350102/").first()

    visible = scope_filter(Teacher.objects.all(), outsider, Cap.TEACHERS_VIEW)

    assert visible.exists()
    assert not visible.filter(org_path__startswith="35/3501/").exists()
    with pytest.raises(Http404):
        get_object_for_user(outsider, Teacher, Cap.TEACHERS_VIEW, pk=gulou.pk)
    with pytest.raises(Http404):
        get_object_for_user(outsider, School, Cap.ORGS_VIEW, code=DEMO_SCHOOL_CODE)


def test_the_county_office_sees_exactly_its_countys_teachers(demo_world):
    officer = User.objects.get(phone="13800000003")

    visible = scope_filter(Teacher.objects.all(), officer, Cap.TEACHERS_VIEW)

    assert visible.count() == Teacher.objects.filter(school__county__code="350102").count() > 0


def test_seeding_twice_is_refused_with_a_clear_message(demo_world):
    with pytest.raises(SeedError, match="already has schools or teachers"):
        seed_run(scale="demo")
    assert Teacher.objects.count() == demo_world.teachers
