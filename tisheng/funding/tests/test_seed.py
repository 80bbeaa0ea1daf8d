from tisheng.funding.models import BudgetLine, Statement
from tisheng.funding.seed import funding_seed_demo
from tisheng.funding.tests.factories import credit, funding_setting


def test_the_demo_has_budgets_and_a_confirmed_statement(world, program_1):
    s = funding_setting(world, program_1)
    s.rate.delete()
    credit(world.teachers_a[0], s.course, 30, __import__("django.utils.timezone", fromlist=["x"]).localdate()
           .isoformat())
    report = funding_seed_demo(school_code=world.school_a.code)
    assert BudgetLine.objects.filter(path=world.county_a.path).exists(), report
    assert Statement.objects.filter(state=Statement.State.CONFIRMED).count() == 1, report
