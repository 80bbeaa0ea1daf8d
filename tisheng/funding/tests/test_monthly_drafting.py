import datetime as dt
from decimal import Decimal

import pytest

from tisheng.funding import services, tasks
from tisheng.funding.models import FundingRate, Statement
from tisheng.funding.tests.factories import credit, funding_setting
from tisheng.funding.tests.test_settlement import MARCH
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.periodic import PERIODIC
from tisheng.jobs.services import jobs_run_pending
from tisheng.learning.tests.factories import contract
from tisheng.notifications.models import Notification

APRIL_3 = dt.date(2016, 4, 3)


@pytest.fixture
def s(world, program_1):
    return funding_setting(world, program_1)


def test_the_last_closed_month_is_drafted_on_its_own_and_both_sides_are_told(world, s):
    credit(world.teachers_a[0], s.course, 30, "2016-03-02")
    credit(world.teachers_a[1], s.course, 10, "2016-04-01")  # April: next month's statement

    assert tasks.funding_drafts_queue(APRIL_3) == 1
    assert jobs_run_pending() == 1

    job = Job.objects.get(kind=tasks.DRAFT_MONTH)
    assert (job.state, job.result["statements"]) == (JobState.DONE, 1)
    st = Statement.objects.get()
    assert (st.period_start, st.period_end) == MARCH
    assert (st.state, st.amount, st.drafted_by) == (Statement.State.DRAFT, Decimal("90.00"), None)
    assert Notification.objects.filter(recipient=s.inst_user, title=f"结算单 {st.number} 待您核对").exists()
    office = Notification.objects.get(recipient=world.county_officer)
    assert "2016-03-01" in office.title
    assert "90.00" in office.body


def test_the_monthly_drafting_runs_once_and_never_touches_a_statement_drafted_by_hand(world, s):
    credit(world.teachers_a[0], s.course, 30, "2016-03-02")
    by_hand = services.statement_draft(actor=world.county_officer, contract=s.contract, start=MARCH[0], end=MARCH[1])
    services.statement_check(actor=s.inst_user, statement=by_hand, agree=True)
    contract(s.program, s.other_org, world.county_a)
    credit(world.teachers_a[1], s.other_course, 10, "2016-03-05")

    assert tasks.funding_drafts_queue(APRIL_3) == 1
    jobs_run_pending()
    assert tasks.funding_drafts_queue(APRIL_3) == 0  # queued once a month
    assert tasks.funding_drafts_queue(dt.date(2016, 4, 20)) == 0

    by_hand.refresh_from_db()
    assert by_hand.state == Statement.State.CHECKED
    assert Statement.objects.get(institution=s.other_org).state == Statement.State.DRAFT
    # the job itself is idempotent too: run again, nothing new, nothing redrafted
    assert services.statements_draft_all(program=s.program, start=MARCH[0], end=MARCH[1], redraft=False) == []
    assert Statement.objects.count() == 2


def test_nothing_is_queued_before_the_draft_day_or_for_a_program_without_rates(world, s, settings):
    credit(world.teachers_a[0], s.course, 30, "2016-03-02")
    settings.FUNDING_DRAFT_DAY = 5
    assert tasks.funding_drafts_queue(APRIL_3) == 0
    FundingRate.objects.all().delete()
    assert tasks.funding_drafts_queue(dt.date(2016, 4, 6)) == 0
    assert not Job.objects.exists()


def test_a_failed_drafting_is_queued_again_on_the_next_run(world, s):
    assert tasks.funding_drafts_queue(APRIL_3) == 1
    Job.objects.update(state=JobState.FAILED)
    assert tasks.funding_drafts_queue(APRIL_3) == 1


def test_run_periodic_knows_the_monthly_drafting():
    assert PERIODIC["funding_drafts_queued"].before_jobs
