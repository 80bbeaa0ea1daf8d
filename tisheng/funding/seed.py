"""Demo funding: the notice's rates for the active program, budgets at every level of the demo
school's chain, and settlement statements for the year so far drafted from the demo ledger by
the periodic path; the first one is checked by its institution and confirmed by its office,
the others stay drafts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Role
from tisheng.funding import services
from tisheng.funding.models import FundingRate, RuralMode, Source, Statement
from tisheng.orgs.models import School
from tisheng.programs.models import Program

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
    start = max(program.start_date, today - dt.timedelta(days=364))
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
    statements = services.statements_draft_all(program=program, start=start, end=today)
    confirmed = 0
    for st in sorted(statements, key=lambda s: -s.amount):
        checker = _user(role=Role.INSTITUTION, organization_id=st.institution_id)
        office = _user(region_id=st.region_id, role__in=[Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE])
        if checker is None or office is None or st.amount <= Decimal(0):
            continue
        st = services.statement_check(actor=checker, statement=st, agree=True)
        services.statement_confirm(actor=office, statement=st)
        confirmed = 1
        break
    drafts = Statement.objects.filter(program=program).exclude(state=Statement.State.CONFIRMED).count()
    return f"{made} budget lines, {len(statements)} statements ({confirmed} confirmed, {drafts} drafts)"
