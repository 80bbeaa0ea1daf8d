"""Demo data for early warning: the demo county's risk scores for every active program, a
reminder from the county office to the demo school's two highest-scored teachers and a
follow-up request to the school's admins, all through the real services. Years before a
deadline nobody is 高风险 (the score weighs the time left), so the demo's reminders go to the
teachers first on the school's list whatever their level: a county office may nudge a teacher
who has not started early, and the demo shows that flow."""

from __future__ import annotations

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.monitoring.warning.models import Intervention, RiskScore
from tisheng.monitoring.warning.risk import risk_refresh
from tisheng.monitoring.warning.services import ask_principals, remind_teachers
from tisheng.orgs.models import School
from tisheng.programs.models import Program


def warning_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county").filter(code=school_code).first()
    if school is None:
        return "no demo school"
    officer = (RoleAssignment.objects.filter(role=Role.COUNTY_OFFICE, region=school.county)
               .select_related("user").first())
    scored = reminded = 0
    for program in Program.objects.filter(status=Program.Status.ACTIVE).order_by("pk"):
        scored += risk_refresh(program, school.county.path).rows
        if officer is None or Intervention.objects.filter(program=program).exists():
            continue
        top = list(RiskScore.objects.filter(program=program, school=school)
                   .order_by("-score", "teacher_id").values_list("teacher_id", flat=True)[:3])
        if top:
            reminded += len(remind_teachers(actor=officer.user, program=program, teachers=top[:2]))
            if RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, school=school).exists():
                ask_principals(actor=officer.user, program=program, teachers=top)
    return f"{scored} teachers scored in {school.county.name}, {reminded} reminded"
