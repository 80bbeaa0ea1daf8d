"""Demo facts that give the demo accounts' home pages (待办) something to do, made through the
real services: two teachers of the demo school declare hours from the national platform (the
principal approves them; the demo teacher sees theirs waiting), the school asks the county to
exempt a teacher on long sick leave, a second school of the demo county submits its practice
plan, and the county's weekly bulletin is issued (the county, its city and the province read
it as their latest)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.accounts.services import role_assign
from tisheng.ledger.models import ImportedHoursDeclaration
from tisheng.ledger.services import declaration_submit
from tisheng.monitoring.models import Bulletin
from tisheng.monitoring.services.bulletins import BulletinError, bulletin_issue
from tisheng.orgs.models import School
from tisheng.people.models import Teacher
from tisheng.practice import services as practice
from tisheng.practice.models import SchoolPlan
from tisheng.programs.models import Enrollment, EnrollmentState, Exemption, Program
from tisheng.programs.services.exemptions import exemption_request

# A 1×1 PNG: the declaration's certificate image.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082")
DECLARATIONS = (("国家智慧教育平台", "2025年寒假教师研修：人工智能助推教师队伍建设", "6"),
                ("国家智慧教育平台", "2025年暑期教师研修：数字化赋能教学", "8"))


def _assignment(role: str, **node):
    return RoleAssignment.objects.filter(role=role, **node).select_related("user").order_by("pk").first()


def home_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county").filter(code=school_code).first()
    program = Program.objects.filter(status=Program.Status.ACTIVE).order_by("-start_date").first()
    principal = _assignment(Role.SCHOOL_ADMIN, school=school) if school else None
    if school is None or program is None or principal is None:
        return "no demo school"
    done = []

    teachers = list(Teacher.objects.filter(school=school, status="active", user__isnull=False,
                                           enrollments__program=program).order_by("pk")[:3])
    if not ImportedHoursDeclaration.objects.filter(teacher__school=school).exists() \
            and program.ruleset.max_imported_hours > 0:
        for teacher, (platform, title, hours) in zip(teachers, DECLARATIONS, strict=False):
            declaration_submit(actor=teacher.user, teacher=teacher, program=program, platform=platform, title=title,
                               hours=hours, certificate=SimpleUploadedFile("证书.png", PNG, "image/png"))
        done.append("declarations")

    if not Exemption.objects.filter(enrollment__school=school).exists():
        enrollment = (Enrollment.objects.filter(program=program, school=school, state=EnrollmentState.ENROLLED)
                      .exclude(teacher__in=teachers[:len(DECLARATIONS)]).order_by("-pk").first())
        if enrollment is not None:
            exemption_request(actor=principal.user, enrollment=enrollment, reason="长期病假（2025年9月起），暂不能参训")
            done.append("exemption")

    waiting = SchoolPlan.objects.filter(program=program, school__county=school.county,
                                        status=SchoolPlan.Status.SUBMITTED).exists()
    other = None if waiting else (School.objects.filter(county=school.county).exclude(pk=school.pk)
                                  .exclude(practice_plans__program=program).order_by("code").first())
    head = (Teacher.objects.filter(school=other, status="active", user__isnull=False).select_related("user")
            .order_by("pk").first() if other else None)
    if head is not None and program.ruleset.micro_abilities is not None:
        role_assign(actor=None, user=head.user, role=Role.SCHOOL_ADMIN, node=other)
        plan = practice.plan_save(
            actor=head.user, school=other, program=program,
            goals="以多媒体教学环境为基础，全体教师完成三个能力点的实践应用。", environment="A",
            research_topics=["技术支持的学情分析"],
            training_schedule=[{"date": "2025-10-15", "title": "能力点选点与实践指导", "kind": "校本研修"}])
        if plan.status == SchoolPlan.Status.DRAFT:
            practice.plan_submit(actor=head.user, plan=plan)
            done.append(f"plan of {other.name}")

    if not Bulletin.objects.filter(program=program, node_path=school.county.path).exists():
        try:
            bulletin_issue(program=program, node_path=school.county.path, period="demo")
        except BulletinError:  # no roll-up yet: the schedule issues it after the first refresh
            pass
        else:
            done.append("bulletin")
    return ", ".join(done)
