"""Demo study classes, through the real services: the demo institution (福建师大继教院, contracted
by 福州市 for 鼓楼区) forms a class of the demo school's 2.0 teachers and one of the rest of the
county, with two tutors (13800001601 and 13800001602, the demo password); the first tutor has sent
a reminder, posted an announcement, issued a class bulletin and set an assignment. The demo
workshop is seed_workshops'."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tisheng.accounts.models import User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import role_assign
from tisheng.communities import services
from tisheng.communities import services_assignments as assignments
from tisheng.communities.models import ClassTutor, StudyClass
from tisheng.orgs.models import Organization, School
from tisheng.programs.models import Program

TUTORS = (("13800001601", "林辅导（演示）"), ("13800001602", "郑辅导（演示）"))
INSTITUTION_CODE = "INST-FJNU"
INSTITUTION_PHONE = "13800000005"


def _tutor(phone: str, name: str, organization: Organization, password_from: User) -> User:
    user = User.objects.filter(phone=phone).first()
    if user is None:
        # The demo password's hash, copied: hashing it again costs half a second per account.
        user = User.objects.create(phone=phone, name=name, password=password_from.password)
        role_assign(actor=None, user=user, role=Role.TUTOR, node=organization)
    return user


def communities_seed_demo(*, school_code: str) -> str:
    """Study classes, then the demo workshop (seed_workshops) and pair (seed_pairing)."""
    from tisheng.communities.seed_pairing import pairing_seed_demo
    from tisheng.communities.seed_workshops import workshops_seed_demo

    classes = _classes_seed_demo(school_code=school_code)
    return (f"{classes}; workshop: {workshops_seed_demo(school_code=school_code)}; "
            f"pair: {pairing_seed_demo(school_code=school_code)}")


@transaction.atomic
def _classes_seed_demo(*, school_code: str) -> str:
    school = School.objects.select_related("county").filter(code=school_code).first()
    program = Program.objects.filter(code="tisheng-2").first()
    organization = Organization.objects.filter(code=INSTITUTION_CODE).first()
    manager = User.objects.filter(phone=INSTITUTION_PHONE).first()
    if not (school and program and organization and manager) or StudyClass.objects.exists():
        return "skipped"
    county = school.county
    tutors = [_tutor(phone, name, organization, manager) for phone, name in TUTORS]
    try:
        first, in_first = services.class_create(
            actor=manager, organization=organization, program=program, region=county, basis="school",
            school=school, name=f"{school.name}2.0研修班")
        second, in_second = services.class_create(
            actor=manager, organization=organization, program=program, region=county,
            name=f"{county.name}2.0研修二班")
    except ValidationError:  # a data set where the demo institution serves another county
        return "skipped: no contract for the demo county"
    services.tutor_assign(actor=manager, study_class=first, user=tutors[0])
    services.tutor_assign(actor=manager, study_class=second, user=tutors[1])
    if in_first:
        services.reminder_send(actor=tutors[0], study_class=first, only_idle=True,
                               text="请尚未开始学习的老师本周内完成选课并开始第一门课程。")
        services.announcement_post(actor=tutors[0], study_class=first, title="第一次线上集中研修",
                                   body="本周六上午9:00在平台直播间开展“技术支持的学情分析”集中研修，请全体学员准时参加。")
        services.bulletin_issue(actor=tutors[0], study_class=first,
                                text="开班两周，大部分老师已完成选课。请未开始的老师抓紧时间，下周将组织第一次作业。")
        assignments.assignment_create(
            actor=tutors[0], study_class=first, title="信息技术支持的教学设计",
            instructions="选择本学期的一节课，提交教学设计，说明所用技术如何支持学生的学习，并附课后反思。",
            rubric_text="教学设计完整清晰 | 40\n技术运用恰当、有助于学习 | 40\n教学反思 | 20",
            due_at=timezone.now() + dt.timedelta(days=14), hours="2")
    return (f"{first.name} ({in_first} teachers), {second.name} ({in_second}), "
            f"tutors {', '.join(t.phone for t in tutors)}; {ClassTutor.objects.count()} tutor assignments")
