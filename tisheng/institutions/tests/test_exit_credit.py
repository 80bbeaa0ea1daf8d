"""What an exit leaves open, closed: from the effective date an exited institution's courses credit
no new hours where the decision reaches (the player, a passed quiz, the institution's xAPI), the
teacher's pages say why and offer another institution, and a termination carries the completed
lessons over as the rule set says, once, telling the teacher."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from tisheng.accounts.evaluators import today
from tisheng.institutions.services import exit as svc
from tisheng.institutions.services.exit_credit import carry_over_credit, carry_plan
from tisheng.integration.auth import XapiClient
from tisheng.integration.hooks import statements_stored
from tisheng.integration.models import Reason, StatementOutcome
from tisheng.integration.selectors import platform_id
from tisheng.jobs.services import jobs_run_pending
from tisheng.learning import crediting
from tisheng.learning.crediting import CARRY_OVER, credit_stop
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Notification
from tisheng.playback.models import LessonCompletion
from tisheng.playback.services import CreditStopped, course_completion_check, playback_start
from tisheng.programs.rules import FUJIAN_2015


def _decide(world, served, *, regions=(), on=None, kind="suspend"):
    """Decide, and apply it as the worker does (the decision only queues its application)."""
    decision = svc.exit_decide(actor=world.province_officer, province=world.province, institution=served.inst_b,
                               kind=kind, regions=list(regions), reason="课程质量抽查不合格",
                               effective_on=on or today())
    jobs_run_pending(kinds=[svc.EXIT_APPLY_JOB])
    decision.refresh_from_db()
    return decision


def _complete_lessons(teacher, course, n=None):
    for lesson in list(course.lessons.order_by("order"))[:n]:
        LessonCompletion.objects.create(teacher=teacher, lesson=lesson, course=course)


def _online(teacher, course) -> Decimal:
    return sum((e.hours for e in LedgerEntry.objects.filter(teacher=teacher, source_id=str(course.pk))), Decimal(0))


def _carrying(program, **rule):
    program.rules = {**FUJIAN_2015, "exit_carry_over": {"completed_lessons": True, **rule}}
    program.save()
    program.__dict__.pop("_ruleset", None)


def _statement(teacher, activity_id):
    from django.conf import settings

    return {"id": str(uuid.uuid4()), "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "actor": {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": platform_id(teacher)}},
            "object": {"objectType": "Activity", "id": activity_id},
            # Stored now, as the LRS stores it: a completion stored before the exit took effect credits.
            "stored": dt.datetime.now(dt.UTC).isoformat()}


# No new hours --------------------------------------------------------------------------------


def test_before_the_exit_a_finished_course_credits_its_hours(world, served):
    _complete_lessons(served.teachers[0], served.course_b)
    assert course_completion_check(teacher=served.teachers[0], course=served.course_b)
    assert _online(served.teachers[0], served.course_b) == Decimal("6")


def test_after_the_exit_finishing_the_course_in_the_player_credits_nothing(world, served):
    teacher = served.teachers[0]
    _decide(world, served, regions=[world.county_a])
    _complete_lessons(teacher, served.course_b)
    assert not course_completion_check(teacher=teacher, course=served.course_b)
    assert _online(teacher, served.course_b) == 0
    assert "海西教师研修院" in credit_stop(teacher, served.course_b)
    # The other institution's courses still credit.
    assert credit_stop(teacher, served.course_a) == ""


def test_a_crediting_playback_no_longer_starts(world, served):
    _decide(world, served)
    lesson = served.course_b.lessons.first()
    with pytest.raises(CreditStopped):
        playback_start(user=served.teachers[0].user, teacher=served.teachers[0], lesson=lesson, login_session_key="k")


def test_an_exit_elsewhere_or_lifted_or_not_yet_in_effect_stops_nothing(world, served, monkeypatch):
    teacher = served.teachers[0]
    elsewhere = _decide(world, served, regions=[world.city_b])
    assert credit_stop(teacher, served.course_b) == ""
    svc.exit_lift(actor=world.province_officer, decision=elsewhere)
    here = _decide(world, served, regions=[world.city_a])
    assert credit_stop(teacher, served.course_b)
    svc.exit_lift(actor=world.province_officer, decision=here)
    assert credit_stop(teacher, served.course_b) == ""
    later = today() + dt.timedelta(days=3)
    _decide(world, served, on=later)
    assert credit_stop(teacher, served.course_b) == ""
    monkeypatch.setattr(crediting, "today", lambda: later)
    assert credit_stop(teacher, served.course_b)
    _complete_lessons(teacher, served.course_b)
    assert not course_completion_check(teacher=teacher, course=served.course_b)


def test_the_institutions_xapi_completion_credits_nothing_after_the_exit(world, served):
    served.course_b.activity_id = "https://lms.hx.example.com/course/b1"
    served.course_b.save()
    client = XapiClient(institution_id=served.inst_b.pk, name=served.inst_b.name, credential_key="k")
    _decide(world, served, regions=[world.county_a])
    st = _statement(served.teachers[0], served.course_b.activity_id)
    statements_stored(client, [st])
    assert StatementOutcome.objects.get(statement_id=st["id"]).reason == Reason.INSTITUTION_OUT
    assert not LedgerEntry.objects.filter(teacher=served.teachers[0], source_kind="xapi").exists()


def test_the_institutions_xapi_completion_credits_where_the_exit_does_not_reach(world, served):
    served.course_b.activity_id = "https://lms.hx.example.com/course/b1"
    served.course_b.save()
    client = XapiClient(institution_id=served.inst_b.pk, name=served.inst_b.name, credential_key="k")
    _decide(world, served, regions=[world.city_b])
    st = _statement(served.teachers[0], served.course_b.activity_id)
    statements_stored(client, [st])
    assert StatementOutcome.objects.get(statement_id=st["id"]).reason == ""
    assert LedgerEntry.objects.get(teacher=served.teachers[0], source_kind="xapi").hours == Decimal("6")


def test_the_course_and_lesson_pages_say_why_and_offer_another_institution(client, world, served):
    _decide(world, served)
    client.force_login(served.teachers[0].user)
    page = client.get(reverse("learning:course", args=[served.course_b.pk])).content.decode()
    assert 'data-testid="credit-stopped"' in page
    assert "海西教师研修院" in page
    assert "闽江教育培训中心" in page
    assert "课程质量抽查不合格" in page
    lesson = served.course_b.lessons.first()
    page = client.get(reverse("playback:lesson", args=[lesson.pk])).content.decode()
    assert 'data-testid="credit-stopped"' in page
    assert 'data-testid="player"' not in page
    start = client.post(reverse("playback:start", args=[lesson.pk]))
    assert start.status_code == 403
    assert "海西教师研修院" in start.json()["error"]


def test_the_catalogue_marks_the_selected_course_that_no_longer_earns_hours(client, world, served):
    client.force_login(served.teachers[0].user)
    url = reverse("learning:catalogue") + f"?program={served.program.pk}"
    assert 'data-testid="credit-stopped-badge"' not in client.get(url).content.decode()
    _decide(world, served)
    page = client.get(url).content.decode()
    assert page.count('data-testid="credit-stopped-badge"') == 1
    assert "不再认定学时" in page


def test_a_teacher_of_another_county_gets_404_on_the_exited_course(client, world, served):
    _decide(world, served)
    client.force_login(world.teacher_b.user)
    assert client.get(reverse("learning:course", args=[served.course_b.pk])).status_code == 404
    assert client.get(reverse("playback:lesson", args=[served.course_b.lessons.first().pk])).status_code == 404


# Progress carried over -------------------------------------------------------------------------


@pytest.fixture
def half_done(served):
    """Teacher 0 completed the first of course B1's two lessons (90 minutes: 2 hours at 45 a
    minute-hour) and not the second; teacher 1 selected B1 and completed nothing."""
    first = served.course_b.lessons.order_by("order").first()
    first.duration_seconds = 90 * 60
    first.save()
    from tisheng.learning.models import CourseSelection

    CourseSelection.objects.create(teacher=served.teachers[1], program=served.program, course=served.course_b)
    _complete_lessons(served.teachers[0], served.course_b, n=1)
    return served


def test_a_termination_carries_the_completed_lessons_over_once_and_says_so(world, half_done):
    served = half_done
    _carrying(served.program)
    preview = svc.exit_preview(actor=world.province_officer, province=world.province, institution=served.inst_b,
                               regions=[])
    assert preview["hours_carried"] == Decimal("2")
    assert preview["carry"].teachers == 1
    decision = _decide(world, served, kind="terminate")
    assert decision.affected["hours_carried"] == "2.00"
    entry = LedgerEntry.objects.get(teacher=served.teachers[0], source_kind=CARRY_OVER)
    assert (entry.category, entry.hours, entry.source_id) == ("online", Decimal("2.00"), str(served.course_b.pk))
    assert "90" in entry.reason
    assert "微课设计与制作" in entry.reason
    notice = Notification.objects.get(recipient=served.teachers[0].user)
    assert "已结转为您的网络研修学时：《微课设计与制作》2 学时" in notice.body
    assert "《微课设计与制作》" in notice.body
    # Again (a rerun, a second decision): credited once.
    plan = carry_plan(served.inst_b, [world.province.path], svc._unfinished(served.inst_b, [world.province.path]))
    assert carry_over_credit(decision, plan) == {}
    assert LedgerEntry.objects.filter(source_kind=CARRY_OVER).count() == 1


def test_the_carry_over_is_rounded_down_and_capped_as_the_rules_say(world, half_done):
    served = half_done
    first = served.course_b.lessons.order_by("order").first()
    first.duration_seconds = 100 * 60  # 2.22 hours
    first.save()
    _carrying(served.program, step_hours="1", max_hours="10")
    paths = [world.province.path]
    assert carry_plan(served.inst_b, paths, svc._unfinished(served.inst_b, paths)).hours == Decimal("2")
    _carrying(served.program, step_hours="0.5", max_hours="1.5")
    assert carry_plan(served.inst_b, paths, svc._unfinished(served.inst_b, paths)).hours == Decimal("1.5")
    # Never more than the course's hours.
    first.duration_seconds = 20 * 3600
    first.save()
    _carrying(served.program)
    assert carry_plan(served.inst_b, paths, svc._unfinished(served.inst_b, paths)).hours == Decimal("6")


def test_a_suspension_or_rules_that_say_no_carry_nothing_over(world, half_done):
    served = half_done
    _carrying(served.program)
    decision = _decide(world, served, kind="suspend")
    assert decision.affected["hours_carried"] == "0"
    assert not LedgerEntry.objects.filter(source_kind=CARRY_OVER).exists()
    svc.exit_lift(actor=world.province_officer, decision=decision)
    served.program.rules = FUJIAN_2015
    served.program.save()
    served.program.__dict__.pop("_ruleset", None)
    _decide(world, served, kind="terminate")
    assert not LedgerEntry.objects.filter(source_kind=CARRY_OVER).exists()
    assert "不结转" in Notification.objects.filter(recipient=served.teachers[0].user).latest("pk").body


def test_a_regional_termination_carries_over_only_there(world, half_done):
    served = half_done
    _carrying(served.program)
    _decide(world, served, kind="terminate", regions=[world.city_b])
    assert not LedgerEntry.objects.filter(source_kind=CARRY_OVER).exists()


def test_the_preview_page_shows_the_hours_carried_over(client, world, half_done):
    served = half_done
    _carrying(served.program)
    client.force_login(world.province_officer)
    form = {"institution": served.inst_b.pk, "kind": "terminate", "reason": "服务中断",
            "effective_on": today().isoformat()}
    page = client.post(reverse("institutions:exit_preview"), form).content.decode()
    assert 'data-testid="hours-carried">2<' in page
    page = client.post(reverse("institutions:exit_preview"), {**form, "kind": "suspend"}).content.decode()
    assert 'data-testid="hours-carried">0<' in page
    done = client.post(reverse("institutions:exit_preview"), {**form, "confirm": "1"}, follow=True)
    assert "将按各项目规则结转已学完课时约 2 学时" in done.content.decode()
    assert not LedgerEntry.objects.filter(source_kind=CARRY_OVER).exists()  # applied by the job
    jobs_run_pending(kinds=[svc.EXIT_APPLY_JOB])
    page = client.get(done.redirect_chain[-1][0]).content.decode()
    assert 'data-testid="exit-carried">2<' in page


def test_the_course_page_shows_what_was_carried_over(client, world, half_done):
    served = half_done
    _carrying(served.program)
    _decide(world, served, kind="terminate")
    client.force_login(served.teachers[0].user)
    page = client.get(reverse("learning:course", args=[served.course_b.pk])).content.decode()
    assert 'data-testid="carried-over"' in page


def _carried(served, hours):
    from tisheng.ledger.services import ledger_credit

    ledger_credit(teacher=served.teachers[0], program=served.program, category="online", hours=hours,
                  source_kind=CARRY_OVER, source_id=str(served.course_b.pk), granted_by_system="institution_exit:1")


def test_a_course_carried_over_and_finished_later_elsewhere_credits_only_the_rest(world, served):
    _carried(served, "2")  # e.g. terminated where the teacher was; they moved where it still serves
    _complete_lessons(served.teachers[0], served.course_b)
    assert course_completion_check(teacher=served.teachers[0], course=served.course_b)
    entry = LedgerEntry.objects.get(teacher=served.teachers[0], source_kind="course", source_id=str(served.course_b.pk))
    assert entry.hours == Decimal("4.00")


def test_an_xapi_completion_after_a_carry_over_credits_only_the_rest(world, served):
    served.course_b.activity_id = "https://lms.hx.example.com/course/b1"
    served.course_b.save()
    client = XapiClient(institution_id=served.inst_b.pk, name=served.inst_b.name, credential_key="k")
    _carried(served, "2")
    st = _statement(served.teachers[0], served.course_b.activity_id)
    statements_stored(client, [st])
    assert LedgerEntry.objects.get(teacher=served.teachers[0], source_kind="xapi").hours == Decimal("4.00")
    statements_stored(client, [st])  # replayed: the same entry
    assert LedgerEntry.objects.filter(teacher=served.teachers[0], source_kind="xapi").count() == 1


def test_an_xapi_completion_of_a_course_carried_over_in_full_credits_nothing(world, served):
    served.course_b.activity_id = "https://lms.hx.example.com/course/b1"
    served.course_b.save()
    client = XapiClient(institution_id=served.inst_b.pk, name=served.inst_b.name, credential_key="k")
    _carried(served, "6")
    st = _statement(served.teachers[0], served.course_b.activity_id)
    statements_stored(client, [st])
    assert StatementOutcome.objects.get(statement_id=st["id"]).reason == Reason.ALREADY_CREDITED
    assert not LedgerEntry.objects.filter(teacher=served.teachers[0], source_kind="xapi").exists()
