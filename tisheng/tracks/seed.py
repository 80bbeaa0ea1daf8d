"""Demo tracks, through the real services: 鼓楼区 runs a leadership track (信息化领导力) that takes
each school's principal and CIO — every school's principal (its school administrator) names the
CIO on the school's 2.0 practice team and nominates both, the county selects within two places
per school and leaves the last school's nominations waiting — and a training team (培训团队) of
one teacher from each of eight schools, six selected and two waiting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import role_assign
from tisheng.orgs.models import School
from tisheng.people.models import Teacher
from tisheng.practice import services as practice_services
from tisheng.practice.models import SchoolPlan, TeamMember
from tisheng.practice.services import team_member_add
from tisheng.programs.models import Program
from tisheng.tracks import plans, services
from tisheng.tracks.models import Nomination, Track, TrackKind

LEADERSHIP_NAME = "鼓楼区中小学校长信息化领导力提升研修"
TEAM_NAME = "鼓楼区提升工程2.0培训团队研修"


def _principals_and_cios(schools: list[School], program: Program) -> dict[int, tuple[User, list[Teacher]]]:
    """Per school: its principal (the school administrator; the school's first teacher where the
    demo made none) and the teachers who lead it (principal and CIO on the practice team)."""
    teachers: dict[int, list[Teacher]] = {}
    for t in (Teacher.objects.filter(school__in=schools, status="active", user__isnull=False)
              .select_related("user").order_by("school_id", "pk")):
        teachers.setdefault(t.school_id, []).append(t)
    admins = {a.school_id: a.user for a in RoleAssignment.objects.filter(
        role=Role.SCHOOL_ADMIN, school__in=schools).select_related("user").order_by("pk")}
    team = set(TeamMember.objects.filter(school__in=schools, program=program).values_list("school_id", "role"))
    out: dict[int, tuple[User, list[Teacher]]] = {}
    for school in schools:
        staff = teachers.get(school.pk, [])
        if len(staff) < 3:
            continue
        principal = admins.get(school.pk)
        if principal is None:
            principal = staff[0].user
            role_assign(actor=None, user=principal, role=Role.SCHOOL_ADMIN, node=school)
        if (school.pk, "cio") not in team:
            team_member_add(actor=principal, school=school, program=program, user=staff[1].user, role="cio")
        lead = services.school_leader_user_ids([school.pk])
        leaders = [t for t in staff if t.user_id in lead]
        out[school.pk] = (principal, leaders)
    return out


PLAN_GOALS = ("三年内全体教师达到能力点考核要求，混合式教学常态化；"
              "建成学科资源库，形成校本研修课例10节以上。")


def _plans_demo(track: Track, officer: User, program: Program, schools: list[School],
                leaders: dict[int, tuple[User, list[Teacher]]]) -> int:
    """The plans as the leadership track's deliverable: two more schools of the county write and
    submit their plans (the county approves them), the county scores the demo school's and one
    other's on the rubric and follows the demo school's up for the last term."""
    selected = {s for s in Nomination.objects.filter(track=track, state=Nomination.State.SELECTED)
                .values_list("school_id", flat=True)}
    extra = [s for s in schools[1:] if s.pk in selected and s.pk in leaders][:2]
    for n, school in enumerate(extra):
        if SchoolPlan.objects.filter(school=school, program=program).exists():
            continue  # another demo already wrote this school's plan: the track reviews that one
        principal = leaders[school.pk][0]
        try:
            plan = practice_services.plan_save(
                actor=principal, school=school, program=program, goals=PLAN_GOALS, environment="B",
                research_topics=["技术支持的学情分析", "数据驱动的分层作业"],
                training_schedule=[{"date": f"{timezone.localdate().year}-03-1{n}", "title": "能力点选点指导",
                                    "kind": "专题讲座"},
                                   {"date": f"{timezone.localdate().year}-10-2{n}", "title": "混合式教学课例研讨",
                                    "kind": "校本研修"}])
            practice_services.plan_submit(actor=principal, plan=plan)
            practice_services.plan_decide(actor=officer, plan=plan, approve=True, comments="同意实施。")
        except (ValidationError, PermissionDenied):
            continue
    reviewed = 0
    for school, scores, note in (
            (schools[0], {"analysis": 13, "goals": 21, "topics": 17, "schedule": 16, "support": 15},
             "目标清晰，研修安排具体；建议补充经费保障。"),
            (extra[0] if extra else None, {"analysis": 9, "goals": 12, "topics": 10, "schedule": 11, "support": 10},
             "目标不够可检测，请修改后重新提交。")):
        if school is None or school.pk not in selected:
            continue
        try:
            plans.plan_review_record(actor=officer, track=track, school=school, scores=scores, comments=note)
        except ValidationError:  # no plan submitted at that school in this data set
            continue
        reviewed += 1
    today = timezone.localdate()
    terms = plans.terms_between(track.program.start_date, today)
    if schools[0].pk in selected and len(terms) > 1:
        plans.term_check_record(actor=officer, track=track, school=schools[0], term=terms[-2], rating="behind",
                                comment="已通过能力点考核的教师不足计划进度，请加快校本研修。")
    return reviewed


@transaction.atomic
def tracks_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county").filter(code=school_code).first()
    program = Program.objects.filter(code="tisheng-2").first()
    if school is None or program is None or Track.objects.exists():
        return "skipped"
    county = school.county
    officer = User.objects.filter(role_assignments__role=Role.COUNTY_OFFICE,
                                  role_assignments__region=county).order_by("pk").first()
    if officer is None:
        return "skipped: no county office"
    today = timezone.localdate()
    schools = list(School.objects.filter(county=county).order_by("path"))

    leadership = services.track_create(
        actor=officer, kind=TrackKind.LEADERSHIP, name=LEADERSHIP_NAME, run_by=county,
        start_date=dt.date(today.year - 1, 9, 1), end_date=dt.date(today.year + 1, 12, 31), required_hours=Decimal(30),
        description="以学校信息化发展规划（整校推进方案）为主线，校长和信息化负责人（CIO）参训；"
                    "规划由区工程办按评价量规评审，并逐学期跟踪实施。")
    leaders = _principals_and_cios(schools, program)
    for s in schools:
        if s.pk not in leaders:
            continue
        principal, people = leaders[s.pk]
        services.nominations_create(actor=principal, track=leadership, teachers=people, reason="学校管理团队")
        services.track_quota_set(actor=officer, track=leadership, unit_path=s.path, target=2)
    waiting_school = schools[-1].path
    chosen = list(Nomination.objects.filter(track=leadership).exclude(unit_path=waiting_school))
    services.nominations_decide(actor=officer, track=leadership, nominations=chosen, select=True,
                                note="请按时参加集中研修并提交学校信息化发展规划。")

    reviewed = _plans_demo(leadership, officer, program, schools, leaders)

    team = services.track_create(
        actor=officer, kind=TrackKind.TRAINING_TEAM, name=TEAM_NAME, run_by=county,
        start_date=dt.date(today.year, 1, 1), end_date=dt.date(today.year + 1, 12, 31),
        description="区级培训团队：承担送培送教、班级辅导、实践成果抽查与学校指导。")
    trainers = []
    for s in schools[:8]:
        staff = list(Teacher.objects.filter(school=s, status="active").exclude(
            pk__in=[t.pk for t in leaders.get(s.pk, (None, []))[1]]).order_by("-title", "pk")[:1])
        trainers += staff
        services.track_quota_set(actor=officer, track=team, unit_path=s.path, target=1)
    if trainers:
        services.nominations_create(actor=officer, track=team, teachers=trainers, reason="学科骨干，信息技术应用能力突出")
        services.nominations_decide(actor=officer, track=team, select=True,
                                    nominations=list(Nomination.objects.filter(track=team).order_by("pk")[:6]))
    selected = Nomination.objects.filter(state=Nomination.State.SELECTED).count()
    return f"2 tracks, {Nomination.objects.count()} nominations, {selected} selected, {reviewed} plans reviewed"
