import random

from tisheng.practice.checks import textgen
from tisheng.practice.checks.models import SimilarityMatch, SpotCheck
from tisheng.practice.checks.seed import practice_checks_seed_demo

from .conftest import make_passed, make_submission


def test_the_demo_flags_copied_reflections_and_draws_a_spot_check_in_the_demo_county(world, practice, reviewer):
    rng = random.Random(31)
    original = make_submission(practice, world.teachers_a[1], textgen.text(rng, 400))
    make_submission(practice, world.teachers_a[2], textgen.edited(original.text, rng))
    for t in world.teachers_a:
        make_passed(practice, t, 0)
    counts = practice_checks_seed_demo(school_code=world.school_a.code)
    assert counts["near_duplicates"] == SimilarityMatch.objects.count() == 1
    check = SpotCheck.objects.get()
    assert check.region == world.county_a
    assert check.items.filter(reviewer=reviewer, outcome="confirmed").count() == 1
