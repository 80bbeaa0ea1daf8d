import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tisheng.accounts.models import AuditLog
from tisheng.supervision import services
from tisheng.supervision.models import Inspection, Round
from tisheng.supervision.rubric import preset

pytestmark = pytest.mark.django_db


def test_a_province_round_covers_every_county_with_figures_from_the_roll_ups(world, round_):
    a = round_.inspections.get(unit_path=world.county_a.path)
    b = round_.inspections.get(unit_path=world.county_b.path)
    assert round_.inspections.count() == 2
    assert round_.unit_level == "county"
    # County A: 4 to train, 2 started, 1 complete; 1 of its 2 schools has an approved plan.
    assert a.figures["participation"] == 50.0
    assert a.figures["completion"] == 25.0
    assert a.figures["plans_approved"] == 50.0
    assert a.figures["spot_check_confirmed"] is None  # no spot check decided: nothing to say
    assert b.figures["completion"] == 100.0
    assert AuditLog.objects.filter(action="supervision.round_create", object_id=str(round_.pk)).exists()


def test_figures_come_from_the_teacher_rows_when_the_program_was_never_rolled_up(world, program_2):
    from tisheng.supervision.tests.conftest import enroll

    enroll(program_2, world.teachers_a[0], hours="5")
    enroll(program_2, world.teachers_a[1])
    r = services.round_create(actor=world.county_officer, region=world.county_a, program=program_2, title="县督导",
                              kind="regular", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30),
                              indicators=preset("regular", "school"))
    school = r.inspections.get(unit_path=world.school_a.path)
    assert r.unit_level == "school"
    assert sorted(r.inspections.values_list("unit_code", flat=True)) == ["3501020001", "3501020002"]
    assert school.figures["participation"] == 50.0
    assert school.figures["plans_approved"] == 0.0


def test_an_office_cannot_plan_a_round_above_its_own_region(world, program_2):
    with pytest.raises(PermissionDenied):
        services.round_create(actor=world.county_officer, region=world.province, program=program_2, title="越级",
                              kind="regular", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30),
                              indicators=preset("regular", "county"))


def test_a_bad_rubric_is_refused_with_a_clear_message_and_nothing_is_created(world, client, program_2):
    client.force_login(world.province_officer)
    response = client.post(reverse("supervision:round_new"), {
        "title": "督导", "kind": "regular", "program": program_2.pk, "starts_on": "2026-11-01",
        "ends_on": "2026-11-30", "indicator_name": ["参训率"], "indicator_metric": ["participation"],
        "indicator_target": ["150"], "indicator_weight": ["10"], "unit": [world.county_a.path]})
    assert response.status_code == 400
    errors = [str(m) for m in response.context["messages"]]
    assert any("参训率" in e and "0" in e and "100" in e for e in errors)
    assert response.context["form"]["title"] == "督导"  # what was typed stays
    assert not Round.objects.exists()
    with pytest.raises(ValidationError):
        services.round_create(actor=world.province_officer, region=world.province, program=program_2, title="x",
                              kind="regular", starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 11, 1),
                              indicators=preset("regular", "county"))


def test_the_office_plans_a_round_of_chosen_units_through_the_page(world, client, numbers):
    client.force_login(world.province_officer)
    rows = preset("midterm", "county")
    response = client.post(reverse("supervision:round_new"), {
        "title": "中期专项督导", "kind": "midterm", "program": numbers.pk, "starts_on": "2026-11-01",
        "ends_on": "2026-11-30", "indicator_name": [r["name"] for r in rows],
        "indicator_metric": [r["metric"] for r in rows], "indicator_target": [r["target"] or "" for r in rows],
        "indicator_weight": [r["weight"] for r in rows], "unit": [world.county_a.path]}, follow=True)
    round_ = Round.objects.get()
    assert round_.kind == "midterm"
    assert list(round_.inspections.values_list("unit_name", flat=True)) == ["鼓楼区"]
    assert "中期专项督导" in response.content.decode()
    assert [str(m) for m in response.context["messages"]]


def test_planning_a_round_costs_the_same_queries_for_more_units(world, numbers, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        services.round_create(actor=world.province_officer, region=world.province, program=numbers, title="督导",
                              kind="regular", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30),
                              indicators=preset("regular", "county"))
    assert Inspection.objects.count() == 2
