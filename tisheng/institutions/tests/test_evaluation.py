"""Objective measures per institution × region × year, the composite with weights as data, the
ranking, third-party reports, and who sees which institution page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.services import audit
from tisheng.institutions.measures import TOTAL, measures
from tisheng.institutions.services import evaluation as svc
from tisheng.institutions.services import ratings
from tisheng.institutions.tests.conftest import pdf_upload
from tisheng.notifications.models import Notification
from tisheng.people.tests.factories import UserFactory


def _period(world, **kw):
    return svc.period_open(actor=world.province_officer, region=world.province, year=timezone.localdate().year,
                           ends_on=timezone.localdate() + dt.timedelta(days=30), **kw)


def test_measures_count_completion_median_days_hours_refusals_and_complaints_per_city(world, served):
    ratings.rating_save(actor=served.teachers[0].user, course_pk=served.course_a.pk, comment="听不清",
                        values={"content": "1", "usefulness": "2", "platform": "2", "service": "1"})
    audit(actor=served.teachers[2].user, action="integration.sso_refused", obj=served.inst_a,
          scope_path=served.teachers[2].org_path)
    rows = measures(institution_ids=[served.inst_a.pk], year=timezone.localdate().year)
    city = rows[world.city_a.path]
    assert (city.selections, city.completed) == (3, 2)
    assert city.median_days == 6.0
    assert city.hours == Decimal("20")
    assert (city.sso_failures, city.ratings, city.complaints) == (1, 1, 1)
    assert rows[TOTAL].selections == 3
    assert rows[TOTAL].median_days == 6.0


def test_an_office_reads_only_its_own_region(world, served):
    rows = measures(institution_ids=[served.inst_a.pk], year=timezone.localdate().year,
                    scope_paths=[world.county_b.path])
    assert rows[TOTAL].selections == 0


def test_an_areas_figures_read_through_its_teachers_equal_the_provinces_row_for_it(world, served):
    # The scoped path starts from the area's teachers (measures._completions' `scoped`); the
    # province's reads every row of the courses: the same numbers for the same area.
    year = timezone.localdate().year
    whole = measures(institution_ids=[served.inst_a.pk], year=year)[world.city_a.path]
    area = measures(institution_ids=[served.inst_a.pk], year=year, scope_paths=[world.city_a.path])
    for m in (area[world.city_a.path], area[TOTAL]):
        assert (m.selections, m.completed, m.median_days, m.hours, m.statements, m.rejected) == (
            whole.selections, whole.completed, whole.median_days, whole.hours, whole.statements, whole.rejected)
    assert whole.selections == 3


def test_the_measures_cost_the_same_queries_for_three_or_thirteen_teachers(world, served):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tisheng.learning.models import CourseSelection
    from tisheng.people.tests.factories import TeacherFactory

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            measures(institution_ids=[served.inst_a.pk], year=timezone.localdate().year)
        return len(ctx.captured_queries)

    few = count()
    for t in [TeacherFactory(school=world.school_a) for _ in range(10)]:
        CourseSelection.objects.create(teacher=t, program=served.program, course=served.course_a)
    assert count() == few <= 11


def test_the_composite_weighs_only_the_components_an_institution_has(world, served):
    period = _period(world)
    rows = {r["institution_id"]: r for r in svc.ranking(period)}
    a = rows[served.inst_a.pk]
    assert a["components"]["completion"] == pytest.approx(66.7)
    assert a["components"]["expert"] is None
    assert "expert" in a["missing"]
    # Only completion has data: the composite is the completion rate, but 20 of 100 weight
    # measured is too little to rank against institutions measured on more.
    assert a["composite"] == pytest.approx(66.7)
    assert "rank" not in a
    assert rows[served.inst_b.pk]["components"]["completion"] == 0.0
    svc.weights_set(actor=world.province_officer, period=period, weights={"completion": "60", "expert": "40"})
    rows = {r["institution_id"]: r for r in svc.ranking(period)}
    assert rows[served.inst_a.pk]["rank"] == 1
    assert rows[served.inst_b.pk]["rank"] == 2


def test_weights_are_data_the_province_edits_and_bad_weights_are_refused(world, served):
    period = _period(world)
    with pytest.raises(ValidationError) as exc:
        svc.weights_set(actor=world.province_officer, period=period, weights={"ratings": "abc"})
    assert exc.value.code == "weight_invalid"
    with pytest.raises(ValidationError) as exc:
        svc.weights_set(actor=world.province_officer, period=period, weights={})
    assert exc.value.code == "weights_all_zero"
    svc.weights_set(actor=world.province_officer, period=period, weights={"completion": "0", "ratings": "100"})
    period.refresh_from_db()
    assert period.weights["ratings"] == 100


def _evaluator(world):
    user = UserFactory(name="第三方评估员", phone="13900000077")
    RoleAssignment.objects.create(user=user, role="evaluator", region=world.province)
    return user


def test_a_third_party_evaluator_sends_a_report_and_score_that_count_in_the_composite(world, served):
    period = _period(world)
    evaluator = _evaluator(world)
    svc.third_party_submit(actor=evaluator, period=period, institution=served.inst_b, score="90",
                           summary="服务到位", upload=pdf_upload("评估报告.pdf"))
    b = {r["institution_id"]: r for r in svc.ranking(period)}[served.inst_b.pk]
    assert b["components"]["third_party"] == 90.0
    with pytest.raises(ValidationError) as exc:
        svc.third_party_submit(actor=evaluator, period=period, institution=served.inst_b, score="95",
                               summary="", upload=SimpleUploadedFile("x.pdf", b"not a pdf"))
    assert exc.value.code == "material_type"
    with pytest.raises(ValidationError) as exc:
        svc.third_party_submit(actor=evaluator, period=period, institution=served.inst_b, score="101",
                               summary="", upload=pdf_upload())
    assert exc.value.code == "score_invalid"


def test_publishing_fixes_the_ranking_and_tells_each_institution(world, served):
    period = _period(world)
    with pytest.raises(ValidationError) as exc:
        svc.ranking_publish(actor=world.province_officer, period=period)
    assert exc.value.code == "nothing_to_rank"
    svc.weights_set(actor=world.province_officer, period=period, weights={"completion": "100"})
    svc.ranking_publish(actor=world.province_officer, period=period)
    period.refresh_from_db()
    assert period.published_at is not None
    assert period.ranking[0]["institution_id"] == served.inst_a.pk
    assert Notification.objects.filter(recipient=served.staff_a).exists()
    with pytest.raises(ValidationError):
        svc.weights_set(actor=world.province_officer, period=period, weights={"ratings": "10"})


def test_the_province_sees_the_ranking_and_an_institution_only_its_own_page(client, world, served):
    period = _period(world)
    client.force_login(world.province_officer)
    html = client.get(reverse("institutions:evaluation_period", args=[period.pk])).content.decode()
    assert served.inst_a.name in html
    assert served.inst_b.name in html
    client.force_login(served.staff_a)
    own = reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk])
    assert client.get(reverse("institutions:evaluation_period", args=[period.pk])).url == own
    assert client.get(own).status_code == 200
    other = reverse("institutions:evaluation_institution", args=[period.pk, served.inst_b.pk])
    assert client.get(other).status_code == 404


def test_an_office_of_another_city_gets_404_and_the_county_office_sees_its_area(client, world, served):
    from tisheng.learning.models import Contract

    Contract.objects.filter(region=world.province).delete()  # served only through city A's contracts
    period = _period(world)
    page = reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk])
    client.force_login(world.outsider)
    assert client.get(page).status_code == 404
    assert client.get(reverse("institutions:evaluation_period", args=[period.pk])).status_code == 404
    client.force_login(world.county_officer)
    response = client.get(page)
    assert response.status_code == 200
    assert 'data-testid="measures"' in response.content.decode()


def test_the_evaluator_uploads_on_the_page_and_is_told_what_happened(client, world, served):
    period = _period(world)
    client.force_login(_evaluator(world))
    url = reverse("institutions:evaluation_report", args=[period.pk, served.inst_a.pk])
    response = client.post(url, {"score": "abc", "summary": "好", "report": pdf_upload()}, follow=True)
    assert "0" in response.content.decode()
    assert not period.third_party.exists()
    response = client.post(url, {"score": "88.5", "summary": "好", "report": pdf_upload()}, follow=True)
    assert period.third_party.get().score == Decimal("88.50")
    assert served.inst_a.name in response.content.decode()
    client.force_login(world.outsider)
    assert client.post(url, {"score": "10", "report": pdf_upload()}).status_code == 404
