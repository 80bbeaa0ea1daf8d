"""Demo workshop, through the real services: 鼓楼区工程办 (13800000003) creates 鼓楼区小学数学名师工作坊
and designates a master teacher of another 鼓楼区 school as its 坊主 (13800001610, the demo
password; role workshop_leader at the county). The demo teacher (13800000008) and teachers of two
schools have joined. A live session two weeks ago is closed and its hours credited; a topic
discussion is under way; the collective lesson preparation of 《认识钟表》 is in progress at its
second version, with comments on its parts. The province has designated the workshop a
示范性网络研修社区 (model online research community) for three years, on its leader's application."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import role_assign
from tisheng.communities import discussion
from tisheng.communities import workshop_services as services
from tisheng.communities.models import Workshop, WorkshopActivity
from tisheng.orgs.models import Region, School
from tisheng.people.models import Teacher
from tisheng.programs.models import Program
from tisheng.resources.services import sites

LEADER_PHONE = "13800001610"
MEMBER_PHONES = ("13800001621", "13800001622", "13800001623")
COUNTY_OFFICE_PHONE = "13800000003"
DEMO_TEACHER_PHONE = "13800000008"
WORKSHOP_NAME = "鼓楼区小学数学名师工作坊"


def _account(teacher: Teacher, phone: str, password_from: User) -> User:
    """The teacher's login with the demo phone and password: a seeded teacher's own account gets
    them (as the demo teacher's does in core.seed.accounts), or a new one when they have none."""
    if teacher.user_id:
        user = teacher.user
        if user.phone != phone and not User.objects.filter(phone=phone).exists():
            user.phone, user.password, user.must_change_password = phone, password_from.password, False
            user.save(update_fields=["phone", "password", "must_change_password"])
            teacher.phone = phone
            teacher.save(update_fields=["phone"])
        return user
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User.objects.create(phone=phone, name=teacher.name, password=password_from.password)
        role_assign(actor=None, user=user, role=Role.TEACHER, node=teacher.school)
    teacher.user = user
    teacher.save(update_fields=["user"])
    return user


@transaction.atomic
def workshops_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county").filter(code=school_code).first()
    program = Program.objects.filter(code="tisheng-2").first()
    office = User.objects.filter(phone=COUNTY_OFFICE_PHONE).first()
    demo_teacher = User.objects.filter(phone=DEMO_TEACHER_PHONE).first()
    if not (school and program and office and demo_teacher) or Workshop.objects.exists():
        return "skipped"
    county: Region = school.county
    enrolled = Teacher.objects.filter(status="active", enrollments__program=program, org_path__startswith=county.path + "/")
    other = enrolled.exclude(school=school).order_by("school__code", "id")
    leader_teacher = other.first()
    if leader_teacher is None:
        return "skipped: one school in the demo county"
    leader = _account(leader_teacher, LEADER_PHONE, demo_teacher)
    role_assign(actor=None, user=leader, role=Role.WORKSHOP_LEADER, node=county)
    colleagues = list(enrolled.filter(school=school).exclude(user=demo_teacher).order_by("id")[:2]) + list(
        other.exclude(pk=leader_teacher.pk)[:1])
    members = [demo_teacher] + [_account(t, phone, demo_teacher) for t, phone in zip(colleagues, MEMBER_PHONES,
                                                                                     strict=False)]
    workshop = services.workshop_create(
        actor=office, name=WORKSHOP_NAME, program=program, scope_path=county.path, leader_phone=leader.phone,
        description="面向全区小学数学教师，围绕“信息技术支持的学情分析与课堂互动”开展集体备课、课例研讨和线上研讨。")
    for user in members:
        services.workshop_join(actor=user, workshop=workshop)

    now = timezone.now()
    live = services.activity_create(
        actor=leader, workshop=workshop, kind=WorkshopActivity.Kind.LIVE, title="第一次线上集中研讨：学情分析工具",
        description="介绍课前诊断与课堂即时反馈工具的用法。", starts_at=now - dt.timedelta(days=14),
        ends_at=now - dt.timedelta(days=14) + dt.timedelta(minutes=90), link="https://meeting.example.cn/gulou-math")
    services.live_record(actor=leader, activity=live, attended_user_ids=[u.pk for u in members[:3]],
                         recording_url="https://meeting.example.cn/gulou-math/recording")
    services.activity_close(actor=leader, activity=live)

    topic = services.activity_create(actor=leader, workshop=workshop, kind=WorkshopActivity.Kind.DISCUSSION,
                                     title="低年级课堂如何用好交互式白板")
    thread = discussion.thread_create(actor=members[0], activity=topic, title="拖拽分类适合哪些内容？",
                                      body="我在“认识图形”一课用了拖拽分类，学生很投入，但用时偏长。大家怎么控制时间？")
    discussion.reply_post(actor=members[1], thread=thread, body="可以把分类任务放在小组内完成，全班只展示一组。")
    discussion.reply_post(actor=leader, thread=thread, body="建议限定两分钟，并用计时器。@" + members[0].name + " 可以试试。")

    prep = services.activity_create(
        actor=leader, workshop=workshop, kind=WorkshopActivity.Kind.LESSON_PREP, title="《认识钟表》集体备课",
        description="一年级上册。请各位老师在第二版的基础上补充技术运用和评价设计，下周五前定稿。",
        design={"goals": "1. 认识钟面，知道时针和分针。\n2. 会认读整时。",
                "learners": "学生在生活中接触过钟表，但对时针、分针的区分不清。",
                "process": "情境导入（闹钟叫醒小明）—观察钟面—拨一拨整时—练习与游戏",
                "technology": "用希沃白板的钟面工具演示时针、分针的转动。"})
    v1 = services.latest_version(prep)
    services.design_comment(actor=members[0], activity=prep, version=v1, section="goals",
                            body="可以加上“初步建立时间观念”这一情感目标。")
    v2 = services.design_save(actor=members[1], activity=prep, base_number=v1.number, note="补充目标和评价", sections={
        **v1.sections, "goals": v1.sections["goals"] + "\n3. 初步建立时间观念，养成守时的习惯。",
        "assessment": "课堂即时反馈：平板拨钟，系统统计正确率；课后任务：记录自己一天中三个整时在做什么。"})
    services.design_comment(actor=leader, activity=prep, version=v2, section="technology",
                            body="除了演示，也请设计一个学生动手拨钟的环节，平板或实物钟都可以。")
    designated = _designate(workshop, leader)
    return f"{workshop.name}: leader {leader.phone}, {len(members)} members, 3 activities (1 closed){designated}"


def _designate(workshop: Workshop, leader: User) -> str:
    """The leader applies for 示范性网络研修社区 with a plan and targets; the province designates it."""
    grant = (RoleAssignment.objects.filter(role=Role.PROVINCE_OFFICE, region__level="province")
             .select_related("user").order_by("id").first())
    if grant is None:
        return ""
    application = sites.site_apply(
        actor=leader, unit_path=workshop.scope_path, unit_ref=str(workshop.pk),
        plan="每月一次线上集中研讨，每学期完成两轮集体备课和课例研讨；三年内覆盖全区小学数学教师，成员课例进区级资源库。",
        targets={"members": 60, "active_members": 40, "lesson_rounds": 6, "hours_share": 80, "member_resources": 20})
    start = timezone.localdate().replace(day=1)
    sites.site_decide(actor=grant.user, application=application, designate=True,
                      reason="研修活动常态化，成员参与度高，集体备课成果可推广。", period_start=start,
                      period_end=start.replace(year=start.year + 3) - dt.timedelta(days=1))
    return "; designated a model online research community"
