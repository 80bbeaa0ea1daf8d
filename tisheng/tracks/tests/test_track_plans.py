"""The leadership track's deliverable: the county scores each participating school's plan on the
track's rubric (as data) and follows it term by term — the plan's goal against the school's
practice results — and the school hears about both; other counties get 404."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog
from tisheng.diagnostics.models import MicroAbility
from tisheng.ledger.tests.conftest import enroll
from tisheng.notifications.models import Notification
from tisheng.practice.models import PointResult
from tisheng.practice.tests.conftest import approve_plan
from tisheng.tracks import plans, services
from tisheng.tracks.models import Nomination, PlanReview, TermCheck, TrackKind

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def track(world, program_2):
    """鼓楼区's leadership track (2025-09 to 2027-08) with school A's principal selected, and
    school A's approved 2.0 plan."""
    from tisheng.practice import services as practice

    practice.catalogue_load()
    track = services.track_create(actor=world.county_officer, kind=TrackKind.LEADERSHIP, name="校长信息化领导力研修",
                                  run_by=world.county_a, start_date=dt.date(2025, 9, 1), end_date=dt.date(2027, 8, 31))
    services.nominations_create(actor=world.principal, track=track, teachers=[world.teachers_a[1]])
    services.nominations_decide(actor=world.county_officer, track=track, select=True,
                                nominations=list(Nomination.objects.filter(track=track)))
    approve_plan(world, program_2)
    return track


def test_terms_run_from_september_and_february():
    assert plans.term_of(dt.date(2026, 1, 15)) == "2025-1"
    assert plans.term_of(dt.date(2026, 2, 1)) == "2025-2"
    assert plans.term_of(dt.date(2026, 9, 1)) == "2026-1"
    assert plans.terms_between(dt.date(2025, 9, 1), dt.date(2026, 9, 2)) == ["2025-1", "2025-2", "2026-1"]
    assert plans.term_label("2025-2") == _("%(start)s—%(end)s school year, term %(half)s") % {
        "start": "2025", "end": 2026, "half": "二"}


def test_the_county_scores_a_schools_plan_on_the_rubric_and_the_school_is_told(client, world, track):
    client.force_login(world.county_officer)
    url = reverse("tracks:plan_review", args=[track.pk, world.school_a.pk])
    scores = {"score_analysis": "12", "score_goals": "20", "score_topics": "15", "score_schedule": "16",
              "score_support": "9"}
    response = client.post(url, {**scores, "score_support": "21"}, follow=True)
    assert _(plans.BAD_SCORE) % {"name": "保障措施", "max": 20} in _messages(response)
    assert not PlanReview.objects.exists()

    response = client.post(url, {**scores, "comments": "保障措施需细化经费安排"}, follow=True)
    review = PlanReview.objects.get()
    assert (review.total, review.passed, review.plan_version) == (72, True, 1)
    assert "72" in _messages(response)[0]
    page = response.content.decode()
    assert "保障措施需细化经费安排" in page
    assert "全员达标，课堂常态化应用" in page
    assert Notification.objects.filter(recipient=world.principal, title__contains="72").exists()
    assert AuditLog.objects.filter(action="tracks.plan_reviewed").count() == 1


def test_a_changed_rubric_scores_new_reviews_and_leaves_past_ones_as_they_were(client, world, track):
    plans.plan_review_record(actor=world.county_officer, track=track, school=world.school_a,
                             scores={"analysis": 10, "goals": 10, "topics": 10, "schedule": 10, "support": 10})
    client.force_login(world.county_officer)
    response = client.post(reverse("tracks:rubric", args=[track.pk]), {
        "name": ["目标与路径", "实施与保障", ""], "max": ["60", "40", ""], "guide": ["", "", ""], "pass_mark": "70"},
        follow=True)
    assert "2" in _messages(response)[0]
    track.refresh_from_db()
    assert [c["max"] for c in track.rubric] == [60, 40]
    review = plans.plan_review_record(actor=world.county_officer, track=track, school=world.school_a,
                                      scores={"c1": 50, "c2": 15})
    assert (review.total, review.passed) == (65, False)
    first = PlanReview.objects.order_by("pk").first()
    assert (first.total, first.passed, len(first.rubric)) == (50, False, 5)
    response = client.post(reverse("tracks:rubric", args=[track.pk]), {
        "name": ["目标"], "max": ["abc"], "guide": [""], "pass_mark": "60"}, follow=True)
    assert _(plans.BAD_RUBRIC) in _messages(response)


def test_the_follow_up_sets_the_plans_goal_against_the_schools_practice_results_each_term(client, world, track,
                                                                                        program_2):
    t0, t1 = world.teachers_a[0], world.teachers_a[1]
    enroll(program_2, t0)
    enroll(program_2, t1)
    # t0 passes three points in the spring term of 2026, t1 one point in the autumn term.
    for code, day in (("A1", dt.date(2026, 3, 10)), ("A5", dt.date(2026, 4, 10)), ("A10", dt.date(2026, 5, 10))):
        point = MicroAbility.objects.get(code=code)
        PointResult.objects.create(program=program_2, teacher=t0, point=point, point_version=point.versions.first(),
                                   result="pass", org_path=t0.org_path,
                                   decided_at=dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI))
    point = MicroAbility.objects.get(code="A1")
    PointResult.objects.create(program=program_2, teacher=t1, point=point, point_version=point.versions.first(),
                               result="pass", org_path=t1.org_path,
                               decided_at=dt.datetime(2025, 10, 10, 10, tzinfo=SHANGHAI))
    rows = plans.follow_up(track, program_2, [world.school_a], today=dt.date(2026, 9, 20))[world.school_a.pk]
    assert [r.term for r in rows] == ["2025-1", "2025-2", "2026-1"]
    assert [(r.with_pass, r.met, r.due) for r in rows] == [(1, 0, 2), (2, 1, 2), (2, 1, 2)]
    assert rows[1].actual == 50
    assert rows[1].expected > rows[0].expected

    check = plans.term_check_record(actor=world.county_officer, track=track, school=world.school_a, term="2025-2",
                                    rating="behind", comment="半数教师尚未达标", today=dt.date(2026, 9, 20))
    assert check.figures["met"] == 1
    assert check.figures["actual"] == "50.0"
    assert Notification.objects.filter(recipient=world.principal, title__contains=check.get_rating_display()).exists()
    again = plans.term_check_record(actor=world.county_officer, track=track, school=world.school_a, term="2025-2",
                                    rating="on_track", today=dt.date(2026, 9, 20))
    assert again.pk == check.pk
    assert TermCheck.objects.get().rating == "on_track"
    with pytest.raises(Exception, match=_(plans.BAD_TERM)):
        plans.term_check_record(actor=world.county_officer, track=track, school=world.school_a, term="2030-1",
                                rating="behind", today=dt.date(2026, 9, 20))


def test_the_schools_page_lists_each_participating_school_with_its_review_and_this_terms_progress(
        client, world, track, django_assert_max_num_queries):
    client.force_login(world.county_officer)
    url = reverse("tracks:plans", args=[track.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "福州市鼓楼第一中心小学" in page
    assert "福州市鼓楼实验幼儿园" not in page  # nobody of it selected
    client.force_login(world.principal)
    assert client.get(reverse("tracks:plan", args=[track.pk, world.school_a.pk])).status_code == 200
    assert 'data-testid="review-form"' not in client.get(
        reverse("tracks:plan", args=[track.pk, world.school_a.pk])).content.decode()


def test_someone_of_another_county_gets_404_on_the_plans_and_cannot_review(client, world, track):
    client.force_login(world.outsider)
    assert client.get(reverse("tracks:plans", args=[track.pk])).status_code == 404
    assert client.get(reverse("tracks:plan", args=[track.pk, world.school_a.pk])).status_code == 404
    for name in ("plan_review", "plan_term"):
        assert client.post(reverse(f"tracks:{name}", args=[track.pk, world.school_a.pk]), {
            "term": "2025-1", "rating": "behind", "score_goals": "1"}).status_code == 404
    assert client.post(reverse("tracks:rubric", args=[track.pk]), {"name": ["x"], "max": ["1"], "guide": [""],
                                                                   "pass_mark": "0"}).status_code == 404
    assert not PlanReview.objects.exists()
    assert not TermCheck.objects.exists()
    client.force_login(world.county_officer)
    assert client.get(reverse("tracks:plan", args=[track.pk, world.school_a2.pk])).status_code == 404


def test_the_school_indicators_for_principal_evaluation_carry_the_plan_review(world, track, program_2):
    from tisheng.certificates.school_indicators import school_indicators

    plans.plan_review_record(actor=world.county_officer, track=track, school=world.school_a,
                             scores={"analysis": 15, "goals": 25, "topics": 20, "schedule": 20, "support": 20})
    row = next(r for r in school_indicators(program_2, world.county_a) if r.code == world.school_a.code)
    assert row.extra[_("Plan review score")] == 100
    assert row.extra[_("Plan review passed")] == _("yes")
