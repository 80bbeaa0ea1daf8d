"""The demo of the checks, after the practice demo (practice.seed): the evidence texts are
indexed for similarity (the demo's reflections share a paragraph, so they are flagged), and
the county office draws a spot check of the demo school's passed points, assigned to the
teacher college's reviewer, with one item already confirmed."""

from __future__ import annotations

from decimal import Decimal

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.orgs.models import School
from tisheng.practice.checks import selectors, services
from tisheng.practice.checks.indexing import index_pending
from tisheng.practice.checks.models import SimilarityMatch, SpotCheckItem

DEMO_SEED = 20250601
DEMO_SHARE = Decimal("0.5")


def practice_checks_seed_demo(*, school_code: str) -> dict[str, int]:
    counts = {"indexed": index_pending(), "near_duplicates": SimilarityMatch.objects.count(), "sampled": 0}
    school = School.objects.select_related("county").filter(code=school_code).first()
    program = selectors.default_program()
    officer = (RoleAssignment.objects.filter(role=Role.COUNTY_OFFICE, region__code=school.county.code)
               .select_related("user").order_by("pk").first() if school else None)
    if program is None or officer is None:
        return counts
    if not services.passed_results(program, school.path).exists():
        return counts
    check = services.spot_check_draw(actor=officer.user, program=program, region=school.county, share=DEMO_SHARE,
                                     seed=DEMO_SEED)
    counts["sampled"] = check.items.count()
    reviewer = services.eligible_reviewers(school.county).first()
    if reviewer is not None:
        services.spot_check_assign(actor=officer.user, check=check, reviewers=[reviewer])
        first = check.items.order_by("org_path", "pk").first()
        services.spot_check_item_decide(actor=reviewer, item=first, outcome=SpotCheckItem.Outcome.CONFIRMED)
    return counts
