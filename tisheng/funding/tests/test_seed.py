from django.utils import timezone

from tisheng.funding.models import BudgetLine, Statement
from tisheng.funding.seed import funding_seed_demo
from tisheng.funding.tasks import last_closed_month
from tisheng.learning.tests.factories import contract, course, enroll, institution


def test_the_demo_has_budgets_a_confirmed_statement_and_last_months_drafts(world, program_2):
    org, _user = institution(world, "INST-FJNU", "福建师大继教院", "13800000105")
    contract(program_2, org, world.county_a)
    for n in range(3):
        course(program_2, org, f"FJNU-{n}", hours="10")
    enroll(program_2, *world.teachers_a)

    report = funding_seed_demo(school_code=world.school_a.code)

    assert BudgetLine.objects.filter(path=world.county_a.path).exists(), report
    confirmed = Statement.objects.get(state=Statement.State.CONFIRMED)
    draft = Statement.objects.get(state=Statement.State.DRAFT)
    last = last_closed_month(timezone.localdate())
    assert (draft.period_start, draft.period_end) == last, report
    assert confirmed.period_end < draft.period_start
    assert (confirmed.region_id, draft.institution_id) == (world.county_a.pk, org.pk)
    assert draft.teachers == 2  # the third teacher learned with the other institution, which has no courses here
