import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import School
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.people.models import Teacher


def test_county_officer_sees_only_their_countys_teachers(world):
    names = set(scope_filter(Teacher.objects.all(), world.county_officer, Cap.TEACHERS_VIEW)
                .values_list("name", flat=True))
    assert names == {"林晓燕", "陈志强", "黄丽华", "张美玲"}


def test_outsider_gets_404_for_a_teacher_of_another_county(world):
    with pytest.raises(Http404):
        get_object_for_user(world.outsider, Teacher, Cap.TEACHERS_VIEW, pk=world.teacher.pk)


def test_city_office_role_cannot_edit_what_it_can_see(world):
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.tests.factories import UserFactory

    city = UserFactory()
    RoleAssignment.objects.create(user=city, role="city_office", region=world.city_a)
    assert get_object_for_user(city, Teacher, Cap.TEACHERS_VIEW, pk=world.teacher.pk) == world.teacher
    with pytest.raises(PermissionDenied):
        get_object_for_user(city, Teacher, Cap.TEACHERS_EDIT, pk=world.teacher.pk)


def test_teacher_sees_only_their_own_record(world):
    visible = scope_filter(Teacher.objects.all(), world.teacher.user, Cap.TEACHERS_VIEW)
    assert list(visible) == [world.teacher]
    assert not scope_filter(School.objects.all(), world.teacher.user, Cap.ORGS_VIEW).exists()


def test_province_officer_sees_both_counties(world):
    assert scope_filter(Teacher.objects.all(), world.province_officer, Cap.TEACHERS_VIEW).count() == 5
