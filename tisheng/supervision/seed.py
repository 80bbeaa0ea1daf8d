"""Demo supervision, through the real services: a province inspector (13800001901, the demo
password), the province's regular round over its counties with the inspector on 鼓楼区 and 思明区,
鼓楼区 graded with a rectification item for the county office that is already past its deadline
(so both sides see an overdue item), and the county's mid-term special inspection of its schools
with the inspector on the demo school; and the province's plan for the ministry (规划方案), written in
every section and filed once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import role_assign
from tisheng.monitoring.services.rollups import today
from tisheng.orgs.models import Region, School
from tisheng.programs.models import Program
from tisheng.supervision import services
from tisheng.supervision.models import Rectification, Round
from tisheng.supervision.rubric import preset

INSPECTOR_PHONE = "13800001901"
INSPECTOR_NAME = "省督学（演示）"


def _office(role: str, region: Region) -> User | None:
    a = RoleAssignment.objects.filter(role=role, region=region).select_related("user").order_by("pk").first()
    return a.user if a else None


@transaction.atomic
def supervision_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county__parent__parent").filter(code=school_code).first()
    program = Program.objects.filter(status=Program.Status.ACTIVE).order_by("-pk").first()
    if school is None or program is None or Round.objects.exists():
        return "skipped"
    county = school.county
    province = Region.objects.filter(level="province").order_by("path").first()
    province_office, county_office = _office(Role.PROVINCE_OFFICE, province), _office(Role.COUNTY_OFFICE, county)
    if province_office is None or county_office is None:
        return "no demo offices"
    inspector = User.objects.filter(phone=INSPECTOR_PHONE).first()
    if inspector is None:
        # The demo password's hash is copied from the province office's account: one hash for all demo logins.
        inspector = User.objects.create(phone=INSPECTOR_PHONE, name=INSPECTOR_NAME, password=province_office.password)
    role_assign(actor=None, user=inspector, role=Role.INSPECTOR, node=province)

    start = today() - dt.timedelta(days=40)
    regular = services.round_create(
        actor=province_office, region=province, program=program, title=f"{start.year}年度提升工程实施情况督导",
        kind="regular", starts_on=start, ends_on=start + dt.timedelta(days=90), indicators=preset("regular", "county"))
    ours = regular.inspections.get(unit_path=county.path)
    others = list(regular.inspections.exclude(pk=ours.pk).filter(unit_code="350203"))
    services.inspectors_assign(actor=province_office, round_=regular, inspector=inspector, inspections=[ours, *others])
    grades = ["good", "good", "pass", "good", "fail", "pass", "good"]
    services.findings_record(actor=inspector, inspection=ours, entries=[
        {"indicator": ind["code"], "grade": grades[n % len(grades)],
         "comment": "学校信息化发展规划尚有学校未通过审核。" if ind["metric"] == "plans_approved" else ""}
        for n, ind in enumerate(regular.indicators)])
    ours.refresh_from_db()
    services.inspection_grade(actor=inspector, inspection=ours, grade="good",
                              summary="组织有力，参训率较高；学校规划审核和抽检工作需加快。")
    item = services.rectification_add(actor=inspector, inspection=ours, description="督促未通过规划审核的学校修改并重新提交规划",
                                      owner=county_office, deadline=today(), indicator="i5")
    # Raised a fortnight ago with a week to answer: the demo shows it overdue on both sides.
    Rectification.objects.filter(pk=item.pk).update(created_at=item.created_at - dt.timedelta(days=14),
                                                    deadline=today() - dt.timedelta(days=7))
    services.rectification_add(actor=inspector, inspection=ours, description="补充县级抽检工作记录",
                               owner=county_office, deadline=today() + dt.timedelta(days=20), indicator="i6")

    midterm = services.round_create(
        actor=county_office, region=county, program=program, title=f"{county.name}提升工程中期专项督导", kind="midterm",
        starts_on=today(), ends_on=today() + dt.timedelta(days=30), indicators=preset("midterm", "school"))
    services.inspectors_assign(actor=county_office, round_=midterm, inspector=inspector,
                               inspections=list(midterm.inspections.filter(unit_code=school_code)))
    filing = _seed_plan(province_office, province)
    return (f"2 rounds, {regular.inspections.count() + midterm.inspections.count()} units, inspector {INSPECTOR_PHONE}, "
            f"plan v{filing.version} filed")


PLAN_TEXTS = {
    "goals": "到2026年，全省中小学教师信息技术应用能力普遍提升，校长信息化领导力、教师团队信息化教学创新能力和"
             "学校信息化管理水平明显提高，基本实现“三提升一全面”。",
    "organization": "省教育厅统筹规划，设区市教育局组织协调，县（区）教育局具体实施，学校为实施主体，整校推进。\n"
                    "省级项目办负责标准制定、机构遴选、督导评估和数据监测。",
    "programs": "培训以能力点为导向，网络研修与校本研修相结合，实践应用学时不少于总学时的一半。",
    "schedule": "2026年试点，2027年全面推开，2028年完成全员培训并开展总结评估。",
    "institutions": "通过公开遴选确定承训机构，每年开展考评，考评不合格的机构退出。",
    "budget": "省级专项经费与市县继续教育经费共同保障，按学时结算。",
    "supervision": "省市两级对县区开展年度督导和中期专项督导，督导结果纳入县域教育考核。",
    "safeguards": "完善学时认定与学分管理制度，保障学校网络和终端条件，建立专家指导团队。",
}


def _seed_plan(province_office: User, province: Region):
    """The province's plan with text in every section, filed once (the demo's version 1)."""
    from tisheng.supervision.plan.services import default_title, plan_file, plan_save

    plan_save(actor=province_office, region=province, title=default_title(province), texts=PLAN_TEXTS)
    return plan_file(actor=province_office, region=province)
