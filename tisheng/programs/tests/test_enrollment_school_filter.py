"""The enrollment list filtered to one school (issue 13 item 10): the totals are that school's, and
a school outside the actor's area is said to be so, with nothing of it (nor of one's own area)."""

import pytest
from django.urls import reverse
from django.utils import translation

from tisheng.programs.models import Enrollment
from tisheng.programs.services.enrollment import batch_create, batch_enroll
from tisheng.programs.views.enrollment import SCHOOL_OUT_OF_SCOPE_MSG


@pytest.fixture
def enrolled(world, program_2):
    batch = batch_create(actor=world.province_officer, program=program_2, year=2024, name="全员",
                         counties=[world.county_a, world.county_b])
    batch_enroll(actor=world.province_officer, batch=batch)
    return program_2


def _page(client, user, password, program, **params) -> str:
    client.login(username=user.phone, password=password)
    response = client.get(reverse("programs:enrollments", args=[program.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_school_of_another_county_is_said_to_be_outside_the_area_and_shows_no_totals(
        client, world, enrolled, password):
    own_total = Enrollment.objects.filter(program=enrolled, school__county=world.county_a).count()
    assert own_total == 4

    page = _page(client, world.county_officer, password, enrolled, school=world.school_b.code)

    with translation.override("zh-hans"):
        assert str(SCHOOL_OUT_OF_SCOPE_MSG) == "该学校不在您的管辖范围内"
        assert str(SCHOOL_OUT_OF_SCOPE_MSG) in page
    assert "王建国" not in page
    assert world.school_b.name not in page
    assert f"({own_total})" not in page  # not one's own totals under another school's code
    assert "林晓燕" not in page


def test_a_school_code_that_does_not_exist_gets_the_same_answer(client, world, enrolled, password):
    page = _page(client, world.county_officer, password, enrolled, school="9999999999")

    with translation.override("zh-hans"):
        assert str(SCHOOL_OUT_OF_SCOPE_MSG) in page
    assert "林晓燕" not in page


def test_the_totals_of_a_school_in_the_area_are_that_schools(client, world, enrolled, password):
    page = _page(client, world.county_officer, password, enrolled, school=world.school_a2.code)

    with translation.override("zh-hans"):
        assert str(SCHOOL_OUT_OF_SCOPE_MSG) not in page
    assert "张美玲" in page
    assert "(1)" in page  # All (1): the kindergarten's one teacher, not the county's four
    assert "(4)" not in page


def test_the_outsider_filtering_to_a_school_of_county_a_learns_nothing_of_it(client, world, enrolled, password):
    page = _page(client, world.outsider, password, enrolled, school=world.school_a.code)

    with translation.override("zh-hans"):
        assert str(SCHOOL_OUT_OF_SCOPE_MSG) in page
    assert "林晓燕" not in page
    assert world.school_a.name not in page
