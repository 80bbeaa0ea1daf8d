"""Demo funding: the notice's rates for the active program, budgets at every level of the demo
school's chain, and monthly settlement statements. A dozen teachers of the demo school finished
courses of the two institutions 福州市 chose in each of the last two closed months (through the
ledger's own service); both months are drafted by the monthly job's function. The earlier
month's statement of 福建师大继教院 (the demo institution account) with 鼓楼区 (the demo county
office) is checked and confirmed; the last month's statements wait as drafts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.funding import services
from tisheng.funding.models import FundingRate, RuralMode, Source, Statement
from tisheng.funding.tasks import last_closed_month
from tisheng.learning.models import Course
from tisheng.ledger.services import ledger_credit
from tisheng.orgs.models import School
from tisheng.people.models import Teacher
from tisheng.programs.models import Program

INSTITUTIONS = ("INST-FJNU", "INST-FJIE")  # the ones 福州市 chose for its counties (learning/seed.py)
DEMO_INSTITUTION = "INST-FJNU"

BUDGETS = (  # (level, source, yuan, purpose)
    ("province", Source.SPECIAL, "5000000", "提升工程专项：平台建设、省级骨干培训与乡村教师奖补"),
    ("province", Source.NATIONAL, "2000000", "国培计划：信息技术应用能力提升"),
    ("city", Source.SPECIAL, "600000", "市级工程办：校长与骨干教师培训"),
    ("county", Source.CONTINUING_EDUCATION, "300000", "教师全员培训（3元/学时·人）"),
    ("school", Source.SCHOOL, "20000", "校本研修与教师参训经费"),
)


def _user(**lookup):
    a = RoleAssignment.objects.filter(**lookup).select_related("user").order_by("id").first()
    return a.user if a else None


def funding_seed_demo(*, school_code: str) -> str:
    program = Program.objects.filter(status="active").order_by("-start_date").first()
    school = School.objects.filter(code=school_code).select_related("county__parent__parent").first()
    if program is None or school is None:
        return "no active program or demo school"
    today = timezone.localdate()
    last = last_closed_month(today)
    earlier = last_closed_month(last[0])
    start = max(program.start_date, earlier[0] - dt.timedelta(days=365))
    if not FundingRate.objects.filter(program=program).exists():
        services.rate_set(actor=None, program=program, effective_from=start, online_rate="3", paid_hours_cap="50",
                          rural_mode=RuralMode.PER_TEACHER, rural_amount="100",
                          note="闽教师〔2015〕：全员培训经费 3 元/学时·人，网络研修计付至 50 学时；乡村教师奖补")
    county, city = school.county, school.county.parent
    nodes = {"province": city.parent if city else None, "city": city, "county": county, "school": school}
    made = 0
    for level, source, amount, purpose in BUDGETS:
        node = nodes[level]
        field = {"school": node} if level == "school" else {"region": node}
        actor = _user(role=Role.SCHOOL_ADMIN, **field) if level == "school" else _user(**field)
        if node is None or actor is None:
            continue
        try:
            services.budget_add(actor=actor, node=node, year=today.year, source=source, amount=amount,
                                purpose=purpose)
        except ValidationError:  # the node's first account holds no budget role: no line, not a failed seed
            continue
        made += 1
    credits = _credits(program, school, [earlier, last])
    months = []
    for month_start, month_end in (earlier, last):
        if month_start >= program.start_date:
            months.append(services.statements_draft_all(program=program, start=month_start, end=month_end,
                                                        redraft=False))
    confirmed = 0
    for st in months[0] if len(months) == 2 else []:
        checker = _user(role=Role.INSTITUTION, organization_id=st.institution_id)
        office = _user(region_id=st.region_id, role__in=[Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE])
        if checker is None or office is None or st.amount <= Decimal(0) or st.institution.code != DEMO_INSTITUTION:
            continue
        st = services.statement_check(actor=checker, statement=st, agree=True)
        services.statement_confirm(actor=office, statement=st)
        confirmed += 1
    drafts = Statement.objects.filter(program=program, state=Statement.State.DRAFT).count()
    return f"{made} budget lines, {credits} online credits, {confirmed} statement confirmed, {drafts} drafts"


def _credits(program: Program, school: School, months: list[tuple[dt.date, dt.date]]) -> int:
    """Courses finished in each month by twelve teachers of the demo school: a different course
    each month (the ledger credits a course once), never the demo institution's first course
    (the institution evaluation's demo credits that one)."""
    courses = {code: list(Course.objects.filter(program=program, institution__code=code, status="published")
                          .order_by("code"))[1:] for code in INSTITUTIONS}
    teachers = list(Teacher.objects.filter(school=school, enrollments__program=program).order_by("pk")[:12])
    tz = timezone.get_current_timezone()
    made = 0
    for m, (month_start, _end) in enumerate(months):
        for n, teacher in enumerate(teachers):
            pool = courses[INSTITUTIONS[1 if n % 3 == 2 else 0]]  # two in three learn with the demo institution
            if len(pool) <= m:
                continue
            course = pool[m]
            at = dt.datetime.combine(month_start + dt.timedelta(days=2 + n), dt.time(20, 30), tzinfo=tz)
            ledger_credit(teacher=teacher, program=program, category="online", hours=course.hours,
                          source_kind="course", source_id=str(course.pk), granted_by_system="playback", at=at)
            made += 1
    return made
