import pytest

from tisheng.supervision import selectors
from tisheng.supervision.models import Inspection, Round
from tisheng.supervision.seed import INSPECTOR_PHONE, supervision_seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_shows_a_graded_county_with_an_overdue_item_on_both_sides(world, program_2):
    assert supervision_seed_demo(school_code=world.school_a.code).startswith("2 rounds")
    assert Round.objects.count() == 2
    graded = Inspection.objects.get(status="graded")
    assert graded.unit_path == world.county_a.path
    assert graded.inspectors.get().phone == INSPECTOR_PHONE
    assert selectors.overdue_rectifications(world.county_officer).count() == 1
    assert selectors.overdue_rectifications(world.province_officer).count() == 1
    assert not selectors.overdue_rectifications(world.outsider).exists()
    assert supervision_seed_demo(school_code=world.school_a.code) == "skipped"  # seeding twice adds nothing


def test_the_demo_has_the_province_plan_filed_once_with_every_section_written(world, program_2):
    from tisheng.supervision.models import PlanFiling

    supervision_seed_demo(school_code=world.school_a.code)
    filing = PlanFiling.objects.get()
    assert filing.version == 1
    assert all(section["text"] for section in filing.document["sections"])
    assert filing.pdf_sha256
