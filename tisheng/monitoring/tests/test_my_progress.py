"""A teacher's own page: where they stand in each program, what is left, and whether their pace
reaches the deadline."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tisheng.ledger.services import ledger_credit
from tisheng.monitoring.standing import standings
from tisheng.programs.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(world, program_1):
    program_1.end_date = timezone.localdate() + dt.timedelta(days=70)  # ten weeks left
    program_1.save()
    Enrollment.objects.create(program=program_1, teacher=world.teacher, school=world.teacher.school,
                              org_path=world.teacher.org_path)
    return program_1


def test_a_teacher_sees_what_is_left_and_that_their_pace_is_too_slow(world, enrolled):
    ledger_credit(teacher=world.teacher, program=enrolled, category="online", hours=Decimal("8"),
                  source_kind="course", source_id="c1", granted_by_system="test")
    (standing,) = standings(world.teacher)
    required = enrolled.ruleset.required_hours
    assert standing.remaining == required - 8
    assert standing.pace_per_week == Decimal("2.0")  # 8 hours in the last four weeks
    assert standing.needed_per_week == ((required - 8) * 7 / 70).quantize(Decimal("0.1"))
    assert standing.late_by_days > 0
    client = Client()
    client.force_login(world.teacher.user)
    page = client.get("/monitoring/me/").content.decode()
    assert enrolled.name in page
    assert "还差" in page  # the evaluation's own words for what is left
    assert "截止日期后" in page or "after the deadline" in page


def test_a_teacher_without_recent_hours_is_told_so(world, enrolled):
    (standing,) = standings(world.teacher)
    assert standing.pace_per_week == 0
    assert standing.projected_finish is None
    client = Client()
    client.force_login(world.teacher.user)
    assert "近四周没有获得学时" in client.get("/monitoring/me/").content.decode()


def test_an_officer_has_no_own_progress_page(world):
    client = Client()
    client.force_login(world.county_officer)
    assert client.get("/monitoring/me/").status_code == 404
