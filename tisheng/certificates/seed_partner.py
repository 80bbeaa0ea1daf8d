"""`tisheng seed`: the partners' certificates of 1.0 in the demo county, so the demo shows
them. The demo institution is contracted for the demo county in 1.0; a dozen of the demo
school's teachers get their 50 online and 30 practice hours through the ledger; the
institution issues six 网络培训合格证明 and signs four 网络研修与教学实践合格证明, which wait
for the demo teacher college (13800000004) to co-sign."""

from __future__ import annotations

from tisheng.accounts.models import RoleAssignment
from tisheng.certificates.services_partner import partner_issue, partner_sign
from tisheng.learning.models import Contract
from tisheng.learning.services import contract_create
from tisheng.orgs.models import Region
from tisheng.programs.models import Enrollment, EnrollmentState, Program

DEMO_TEACHERS = 12


def partner_certificates_seed_demo(*, school_code: str, program_code: str = "fujian-2015") -> int:
    """Returns how many partner certificates it issued (0 when the demo data is missing)."""
    from tisheng.core.seed.accounts import DEMO_INSTITUTION_CODE
    from tisheng.ledger.services import ledger_credit

    program = Program.objects.filter(code=program_code).first()
    assignment = (RoleAssignment.objects.filter(role="institution", organization__code=DEMO_INSTITUTION_CODE)
                  .select_related("user", "organization").first())
    enrollments = list(Enrollment.objects.filter(program=program, school__code=school_code)
                       .exclude(state=EnrollmentState.EXEMPT).select_related("teacher", "school__county")
                       .order_by("id")[:DEMO_TEACHERS]) if program else []
    if assignment is None or not enrollments:
        return 0
    # The province selects the institution for 1.0, then the demo county is chosen for it.
    county: Region = enrollments[0].school.county
    for region in (county.parent.parent if county.parent else None, county):
        if region is not None and not Contract.objects.filter(program=program, institution=assignment.organization,
                                                              region=region).exists():
            contract_create(actor=None, program=program, institution=assignment.organization, region=region)
    for enrollment in enrollments:
        for category, hours in (("online", 50), ("practice", 30)):
            ledger_credit(teacher=enrollment.teacher, program=program, category=category, hours=hours,
                          source_kind="seed", source_id=f"partner-demo-{category}",
                          granted_by_system="seed")
    actor = assignment.user
    issued = 0
    for enrollment in Enrollment.objects.filter(pk__in=[e.pk for e in enrollments[:6]]).order_by("id"):
        partner_issue(actor=actor, enrollment=enrollment, code="online")
        issued += 1
    for enrollment in Enrollment.objects.filter(pk__in=[e.pk for e in enrollments[:4]]).order_by("id"):
        partner_sign(actor=actor, enrollment=enrollment, code="practice")
    return issued
