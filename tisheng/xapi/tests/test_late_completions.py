"""A completion a teacher made before their institution's exit took effect, reported by the
institution's platform after it (platforms batch their reporting, often nightly): it counts on
the day of its `timestamp` (when the experience occurred) if the LRS `stored` it within the
late-reporting window after the effective date (CREDIT_LATE_REPORT_DAYS, 7), and not later; a
timestamp ahead of stored, or none, counts as made when stored (xAPI 1.0.3, Data 2.4.7, 2.4.8).

Through the LRS over HTTP, as a platform reports: the LRS sets `stored` to now, so "an exit that
took effect N days ago" is a decision taken through the service and dated back N days."""

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.accounts.evaluators import today
from tisheng.institutions.models import InstitutionExit
from tisheng.institutions.services.exit import exit_decide, exit_lift
from tisheng.integration import services as integration
from tisheng.integration.auth import XapiClient
from tisheng.integration.hooks import statements_stored
from tisheng.integration.models import Reason, StatementOutcome
from tisheng.integration.selectors import platform_id
from tisheng.learning.tests.factories import contract, course, enroll, institution
from tisheng.ledger.models import LedgerEntry

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
HEADERS = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


class Platform:
    """Institution A's platform, contracted for county A, with a course teachers there took."""


@pytest.fixture
def platform(world, program_2) -> Platform:
    p = Platform()
    p.inst, _user = institution(world, "INST-LATE", "闽江网络研修院", "13800000131")
    contract(program_2, p.inst, world.county_a)
    p.course = course(program_2, p.inst, "L-101", hours="12")
    p.course.activity_id = "http://www.example.com/courses/information-technology-101"
    p.course.save()
    enroll(program_2, *world.teachers_a)
    credential, secret = integration.credential_issue(actor=world.province_officer, institution=p.inst, name="LMS")
    p.auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    p.other, _user = institution(world, "INST-LATE-B", "厦门远程研修院", "13800000132")
    credential, secret = integration.credential_issue(actor=world.province_officer, institution=p.other, name="LMS")
    p.other_auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    return p


def _exit(world, p: Platform, *, days_ago: int = 0, kind: str = "suspend") -> InstitutionExit:
    """The province suspends the institution in county A, effective `days_ago` days ago."""
    decision = exit_decide(actor=world.province_officer, province=world.province, institution=p.inst, kind=kind,
                           regions=[world.county_a], reason="课程质量抽查不合格", effective_on=today())
    InstitutionExit.objects.filter(pk=decision.pk).update(effective_on=today() - dt.timedelta(days=days_ago))
    decision.refresh_from_db()
    return decision


def _at(day: dt.date, hour: int = 21, minute: int = 30) -> str:
    """A timestamp as the standard's examples write one, with the platform's zone (+08:00)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).isoformat(timespec="milliseconds")


def _completed(teacher, p: Platform, timestamp: str | None) -> dict:
    """A completion in the shape of the standard's examples: an account actor, the ADL verb, a
    course activity with its definition, a passing result, and (when given) its timestamp."""
    s = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": teacher.name,
                  "account": {"homePage": settings.SITE_URL, "name": platform_id(teacher)}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": p.course.activity_id,
                   "definition": {"type": "http://adlnet.gov/expapi/activities/course",
                                  "name": {"zh-CN": p.course.title}}},
        "result": {"completion": True, "success": True, "score": {"scaled": 0.95}, "duration": "PT4H12M"},
    }
    if timestamp is not None:
        s["timestamp"] = timestamp
    return s


def _report(client, p: Platform, *statements: dict) -> None:
    response = client.post("/xapi/statements", json.dumps(list(statements)), content_type="application/json",
                           HTTP_AUTHORIZATION=p.auth, **HEADERS)
    assert response.status_code == 200, response.content


def _hours(teacher) -> Decimal:
    return sum((e.hours for e in LedgerEntry.objects.filter(teacher=teacher, source_kind="xapi")), Decimal(0))


def _reason(statement: dict) -> str:
    return StatementOutcome.objects.get(statement_id=statement["id"]).reason


def test_a_completion_made_the_evening_before_and_reported_in_the_window_credits_once(world, platform, client):
    # Given an exit that took effect three days ago, and a teacher who finished the course the
    # evening before it, reported only now (a nightly batch that failed twice).
    decision = _exit(world, platform, days_ago=3)
    made = _completed(world.teacher, platform, _at(decision.effective_on - dt.timedelta(days=1)))
    _report(client, platform, made)
    # Then the teacher has the course's hours, once: a replay of the statement, and the same
    # completion sent again under another id, credit nothing more.
    assert _reason(made) == ""
    assert _hours(world.teacher) == Decimal("12")
    _report(client, platform, made)
    again = _completed(world.teacher, platform, made["timestamp"])
    _report(client, platform, again)
    assert _reason(again) == Reason.ALREADY_CREDITED
    assert _hours(world.teacher) == Decimal("12")
    assert LedgerEntry.objects.filter(teacher=world.teacher, source_kind="xapi").count() == 1


@pytest.mark.parametrize(("days_ago", "credited"), [(7, True), (8, False)])
def test_the_window_ends_seven_days_after_the_effective_date(world, platform, client, days_ago, credited):
    decision = _exit(world, platform, days_ago=days_ago)
    made = _completed(world.teacher, platform, _at(decision.effective_on - dt.timedelta(days=1)))
    _report(client, platform, made)
    assert _reason(made) == ("" if credited else Reason.INSTITUTION_OUT)
    assert _hours(world.teacher) == (Decimal("12") if credited else 0)


def test_a_completion_made_before_but_reported_after_the_window_credits_nothing_and_says_why(world, platform,
                                                                                            client):
    decision = _exit(world, platform, days_ago=20)
    made = _completed(world.teacher, platform, _at(decision.effective_on - dt.timedelta(days=2)))
    _report(client, platform, made)
    assert _reason(made) == Reason.INSTITUTION_OUT
    assert _hours(world.teacher) == 0
    # The platform's developers read why in the outcomes API: the rule, with its window.
    items = client.get("/api/v1/integration/outcomes", HTTP_AUTHORIZATION=platform.auth).json()["items"]
    assert [(o["statement_id"], o["reason"]) for o in items] == [(made["id"], "institution_out")]
    assert "7 天" in items[0]["message"]
    assert "timestamp" in items[0]["message"]
    # Another institution's credential does not see it.
    others = client.get("/api/v1/integration/outcomes", HTTP_AUTHORIZATION=platform.other_auth).json()["items"]
    assert others == []
    # The mapping rules page says the same to whoever connects a platform.
    assert items[0]["message"] in client.get(reverse("integration:docs")).content.decode()


def test_a_completion_made_on_or_after_the_effective_date_credits_nothing(world, platform, client):
    decision = _exit(world, platform, days_ago=2)
    that_morning = _completed(world.teacher, platform, _at(decision.effective_on, hour=0, minute=5))
    next_day = _completed(world.teachers_a[1], platform, _at(decision.effective_on + dt.timedelta(days=1), 9))
    _report(client, platform, that_morning, next_day)
    assert (_reason(that_morning), _reason(next_day)) == (Reason.INSTITUTION_OUT, Reason.INSTITUTION_OUT)
    assert _hours(world.teacher) == _hours(world.teachers_a[1]) == 0


def test_without_a_timestamp_the_day_it_was_stored_decides(world, platform, client):
    # Given an exit effective yesterday, within the window: a statement that does not say when it
    # was made counts as made when the LRS stored it (which sets its timestamp to stored).
    _exit(world, platform, days_ago=1)
    undated = _completed(world.teacher, platform, None)
    _report(client, platform, undated)
    assert _reason(undated) == Reason.INSTITUTION_OUT
    assert _hours(world.teacher) == 0


def test_without_a_timestamp_a_completion_stored_before_the_effective_date_credits(world, platform):
    # The mapping hook sees a statement stored yesterday with no timestamp; the exit took effect
    # today: it counts on the day it was stored.
    _exit(world, platform, days_ago=0)
    client = XapiClient(institution_id=platform.inst.pk, name=platform.inst.name, credential_key="k")
    undated = _completed(world.teacher, platform, None)
    undated["stored"] = dt.datetime.combine(today() - dt.timedelta(days=1), dt.time(20), SHANGHAI).isoformat()
    statements_stored(client, [undated])
    assert _reason(undated) == ""
    assert _hours(world.teacher) == Decimal("12")


def test_a_timestamp_in_the_future_of_stored_counts_as_made_when_stored(world, platform, client):
    # Given an exit taken today that takes effect tomorrow, a statement stored now whose
    # timestamp says the day after tomorrow: the claim is not believed, the completion counts
    # now, before the exit, and credits.
    exit_decide(actor=world.province_officer, province=world.province, institution=platform.inst, kind="suspend",
                regions=[world.county_a], reason="课程质量抽查不合格", effective_on=today() + dt.timedelta(days=1))
    ahead = _completed(world.teacher, platform, _at(today() + dt.timedelta(days=2), 10))
    _report(client, platform, ahead)
    assert _reason(ahead) == ""
    # And after an exit, a timestamp ahead of stored counts as made when stored: after it.
    InstitutionExit.objects.update(effective_on=today() - dt.timedelta(days=2))
    ahead_after = _completed(world.teachers_a[1], platform, _at(today() + dt.timedelta(days=2), 10))
    _report(client, platform, ahead_after)
    assert _reason(ahead_after) == Reason.INSTITUTION_OUT


def test_a_lifted_suspension_resumes_crediting(world, platform, client):
    decision = _exit(world, platform, days_ago=10)
    refused = _completed(world.teacher, platform, _at(today()))
    _report(client, platform, refused)
    assert _reason(refused) == Reason.INSTITUTION_OUT
    exit_lift(actor=world.province_officer, decision=decision)
    # The platform reports the completion again, under a new id: it credits now.
    again = _completed(world.teacher, platform, _at(today()))
    _report(client, platform, again)
    assert _reason(again) == ""
    assert _reason(refused) == Reason.INSTITUTION_OUT  # the refused statement keeps its outcome
    assert _hours(world.teacher) == Decimal("12")


def test_a_batch_spread_over_many_days_asks_a_bounded_number_of_questions(world, platform):
    # Completions made over the month before an exit, reported in one batch long after it: the
    # stops are asked once per distinct counting day (the window's days at most), not per
    # statement, so a batch ten times larger costs the same queries.
    _exit(world, platform, days_ago=20)
    client = XapiClient(institution_id=platform.inst.pk, name=platform.inst.name, credential_key="k")

    def batch(n: int) -> list[dict]:
        return [_completed(world.teachers_a[i % 3], platform, _at(today() - dt.timedelta(days=i % 30)))
                for i in range(n)]

    small, large = batch(30), batch(300)
    with CaptureQueriesContext(connection) as few:
        statements_stored(client, small)
    with CaptureQueriesContext(connection) as many:
        statements_stored(client, large)
    assert len(many) == len(few)
    assert StatementOutcome.objects.filter(reason=Reason.INSTITUTION_OUT).count() == 330
