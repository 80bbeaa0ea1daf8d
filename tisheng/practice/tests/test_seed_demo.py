import pytest

from tisheng.ledger.models import LedgerEntry
from tisheng.people.tests.factories import TeacherFactory
from tisheng.practice.models import PointResult, SchoolPlan, Submission
from tisheng.practice.seed import practice_seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_approved_plan_evidence_and_graded_results(world, program_2):
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.tests.factories import UserFactory

    RoleAssignment.objects.create(user=UserFactory(name="考核组"), role="school_assessor", school=world.school_a)
    for i in range(5):
        TeacherFactory(school=world.school_a, name=f"示例教师{i}", subject="语文")
    counts = practice_seed_demo(school_code=world.school_a.code)
    assert SchoolPlan.objects.get(school=world.school_a).status == "approved"
    assert counts["results"] > 0
    assert Submission.objects.filter(kind="video").exists()
    assert Submission.objects.exclude(text="").exists()
    assert PointResult.objects.filter(result="excellent", recommended=True).exists()
    assert LedgerEntry.objects.filter(source_kind="micro_ability").exists()
