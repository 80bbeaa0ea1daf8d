"""The daily roll-up of the institutions' measures: the province's page reads it (the same
figures, and when they were computed), run-periodic recomputes it once a day, a county office
still reads its own area live, and publishing ranks today's figures, not the roll-up's."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.institutions.measures import TOTAL, measures
from tisheng.institutions.models import InstitutionMeasures
from tisheng.institutions.rollup import institution_measures_refresh_due, measures_refresh, rolled_up
from tisheng.institutions.services import evaluation as svc
from tisheng.ledger.services import ledger_credit


def _period(world):
    return svc.period_open(actor=world.province_officer, region=world.province, year=timezone.localdate().year,
                           ends_on=timezone.localdate() + dt.timedelta(days=30))


def test_the_province_page_reads_the_rollup_with_the_same_figures_and_says_when(client, world, served):
    period = _period(world)
    assert institution_measures_refresh_due() == 2  # both institutions, this year
    assert institution_measures_refresh_due() == 0  # once a day
    year = period.year
    live = measures(institution_ids=[served.inst_a.pk], year=year)
    stored, _at = rolled_up([served.inst_a.pk], year)
    assert stored[world.city_a.path] == live[world.city_a.path]
    assert stored[TOTAL].median_days == live[TOTAL].median_days == 6.0
    client.force_login(world.province_officer)
    url = reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert 'data-testid="measures-as-of"' in page.content.decode()
    assert "每天重新计算" in page.content.decode()
    assert not any("ledger_ledgerentry" in q["sql"] for q in queries.captured_queries)


def test_a_county_office_reads_its_own_area_live(client, world, served):
    period = _period(world)
    measures_refresh()
    client.force_login(world.county_officer)
    page = client.get(reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk]))
    assert page.status_code == 200
    assert 'data-testid="measures-as-of"' not in page.content.decode()


def test_publishing_ranks_todays_figures_not_the_rollups(world, served):
    period = _period(world)
    svc.weights_set(actor=world.province_officer, period=period, weights={"completion": "100"})
    measures_refresh()
    # The third teacher finishes course A after the roll-up: 3 of 3 completed, not 2 of 3.
    ledger_credit(teacher=served.teachers[2], program=served.program, category="online", hours=Decimal("10"),
                  source_kind="course", source_id=str(served.course_a.pk), granted_by_system="playback")
    assert svc.ranking(period)[0]["components"]["completion"] == 66.7  # the page: the roll-up
    rows = svc.ranking_publish(actor=world.province_officer, period=period)
    assert rows[0]["components"]["completion"] == 100.0
    assert InstitutionMeasures.objects.filter(institution=served.inst_a, key=TOTAL).count() == 1


def _page_queries(client, url) -> tuple[int, str]:
    client.get(url)  # the first request after logging in also touches the session
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    return len(queries.captured_queries), page.content.decode()


def test_the_evaluation_page_costs_the_same_queries_for_a_few_rated_teachers_or_many_in_two_cities(
        client, world, served):
    from tisheng.institutions.models import CourseRating
    from tisheng.learning.models import CourseSelection
    from tisheng.learning.tests.factories import enroll
    from tisheng.people.tests.factories import TeacherFactory

    def teachers_who_finish_and_rate(n: int, schools: list) -> None:
        more = [TeacherFactory(school=schools[i % len(schools)]) for i in range(n)]
        enroll(served.program, *more)
        now = timezone.now()
        for i, t in enumerate(more):
            CourseSelection.objects.create(teacher=t, program=served.program, course=served.course_a,
                                           selected_at=now - dt.timedelta(days=5))
            ledger_credit(teacher=t, program=served.program, category="online", hours=Decimal("10"),
                          source_kind="course", source_id=str(served.course_a.pk), granted_by_system="playback",
                          at=now - dt.timedelta(days=2))
            CourseRating.objects.create(teacher=t, course=served.course_a, institution=served.inst_a,
                                        program=served.program, org_path=t.org_path, content=2 + i % 4, usefulness=4,
                                        platform=4, service=5, comment=f"第{i}条意见：课程案例很实用", updated_at=now)
        measures_refresh()

    period = _period(world)
    url = reverse("institutions:evaluation_institution", args=[period.pk, served.inst_a.pk])
    teachers_who_finish_and_rate(5, [world.school_a])  # enough in county A for its comments to show
    client.force_login(world.province_officer)
    province_few, page = _page_queries(client, url)
    assert "课程案例很实用" in page
    client.force_login(world.county_officer)
    county_few, _page = _page_queries(client, url)

    teachers_who_finish_and_rate(12, [world.school_a, world.school_b])  # and city B's county has 6
    client.force_login(world.province_officer)
    province_many, page = _page_queries(client, url)
    assert page.count("课程案例很实用") == 17
    assert world.city_b.name in page
    client.force_login(world.county_officer)
    county_many, _page = _page_queries(client, url)
    assert (province_many, county_many) == (province_few, county_few)
