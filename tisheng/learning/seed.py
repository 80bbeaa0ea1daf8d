"""Demo catalogue for `tisheng seed`: the province selects the four training institutions for
the active program, 福州市 chooses two of them for each of its counties, and each institution
publishes a few courses, all through the services.

Every lesson plays from this server: its video is made at seed time (learning.demo_media, an
ffmpeg title card) and uploaded through `lesson_add` like an institution's MP4. The lessons of a
course add up to its 学时 at the program's minutes per 学时 (course_publish refuses less), so
a 10-学时 course of three lessons holds three lessons of 150 minutes."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.db import transaction

from tisheng.accounts.models import User
from tisheng.learning import services
from tisheng.learning.demo_media import DemoVideo, demo_videos
from tisheng.learning.models import Course
from tisheng.orgs.models import Organization, Region
from tisheng.programs.models import Program

PROVINCE_PHONE = "13800000001"
CITY_PHONE = "13800000002"
DEMO_TEACHER_PHONE = "13800000008"
CITY_CODE = "3501"
# The two institutions 福州市 chooses (the demo institution account works at INST-FJNU).
CITY_CHOICE = ("INST-FJIE", "INST-FJNU")

# (title, hours, micro-abilities, subjects, stages, lesson titles) per institution code.
COURSES: dict[str, list[tuple[str, str, list[str], list[str], list[str], list[str]]]] = {
    "INST-FJNU": [
        ("技术支持的学情分析", "10", ["A1", "B1"], ["语文", "数学"], ["primary", "junior"],
         ["学情分析的意义", "问卷与数据采集", "用图表读懂学情"]),
        ("多媒体教学环境下的演示文稿设计", "8", ["A3", "A5"], ["语文", "英语"], ["primary"],
         ["设计原则", "版式与配色"]),
        ("微课程设计与制作", "12", ["A6", "B6"], ["数学", "科学"], ["primary", "junior", "senior"],
         ["微课选题", "脚本设计", "录制与剪辑", "发布与应用"]),
    ],
    "INST-FJIE": [
        ("混合学习环境下的学习活动组织", "10", ["B2", "B3"], ["数学", "物理"], ["junior", "senior"],
         ["活动设计", "小组协作", "过程记录"]),
        ("智慧教育环境下的数据驱动教学", "12", ["C1", "C3"], ["语文", "数学", "英语"], ["junior", "senior"],
         ["数据从哪里来", "诊断与干预"]),
    ],
    "INST-JMU": [
        ("信息技术支持的课堂评价", "10", ["A9", "B8"], ["英语"], ["primary", "junior"],
         ["评价量规", "即时反馈", "作品评价"]),
        ("家校协同与技术应用", "6", ["A12"], ["道德与法治"], ["primary"], ["沟通渠道", "家长会的新形式"]),
    ],
    "INST-MJU": [
        ("跨学科学习活动设计", "10", ["B5", "C5"], ["科学", "信息技术"], ["junior"],
         ["主题选择", "任务驱动", "成果展示"]),
        ("技术支持的自主学习", "8", ["B7"], ["数学", "化学"], ["senior"], ["自主学习任务单", "学习平台的使用"]),
    ],
}


def lesson_seconds(hours: str | Decimal, lessons: int, minutes_per_hour: int) -> int:
    """Each of `lessons` equal lessons, so that together they hold the course's 学时."""
    return math.ceil(Decimal(hours) * minutes_per_hour * 60 / lessons)


def upload_demo_lesson(*, course: Course, title: str, seconds: int, video: Path):
    """Add a lesson whose video is a file made by demo_videos_make, uploaded as an institution would."""
    with video.open("rb") as handle:
        return services.lesson_add(actor=None, course=course, title=title, duration_seconds=seconds,
                                   upload=File(handle, name=video.name))


@transaction.atomic
def learning_seed_demo() -> int:
    """Contracts and published courses for the active program; returns the courses made.
    Runs before the player's demo, whose county contract then already exists."""
    program = Program.objects.filter(status="active").order_by("-start_date").first()
    province = Region.objects.filter(level="province").first()
    if program is None or province is None or Course.objects.filter(program=program).exists():
        return 0
    institutions = {o.code: o for o in Organization.objects.filter(kind="institution", code__in=list(COURSES))}
    province_officer = User.objects.filter(phone=PROVINCE_PHONE).first()
    city_officer = User.objects.filter(phone=CITY_PHONE).first()
    for org in institutions.values():
        services.contract_create(actor=province_officer, program=program, institution=org, region=province)
    counties = Region.objects.filter(parent__code=CITY_CODE, level="county").order_by("path")
    for code in CITY_CHOICE:
        if code in institutions:
            for county in counties:
                services.contract_create(actor=city_officer, program=program, institution=institutions[code],
                                         region=county)
    per_hour = program.ruleset.minutes_per_hour
    wanted = [(org, n, spec) for code, specs in COURSES.items() if (org := institutions.get(code))
              for n, spec in enumerate(specs, start=1)]
    made = 0
    videos = {(org.code, n, i): DemoVideo(title=title, subtitle=f"第 {i} 讲　{lesson_title}",
                                          seconds=lesson_seconds(hours, len(lessons), per_hour))
              for org, n, (title, hours, _a, _s, _st, lessons) in wanted
              for i, lesson_title in enumerate(lessons, start=1)}
    files = dict(zip(videos, demo_videos(list(videos.values())), strict=True))
    for org, n, (title, hours, abilities, subjects, stages, lessons) in wanted:
        course = services.course_create(actor=None, institution=org, program=program, code=f"{org.code}-{n:02d}",
                                        title=title, hours=Decimal(hours), micro_abilities=abilities,
                                        subjects=subjects, stages=stages,
                                        description=f"{org.name}：{title}")
        for i, lesson_title in enumerate(lessons, start=1):
            key = (org.code, n, i)
            upload_demo_lesson(course=course, title=lesson_title, seconds=videos[key].seconds, video=files[key])
        if n == 1:
            services.quiz_set(actor=None, course=course, pass_mark=60,
                              text=f"本课程的主题是？\n*{title}\n课堂管理\n\n微能力点考核以什么为依据？\n*课堂实践证据\n考试分数")
        services.course_publish(actor=None, course=course)
        made += 1
    _selections_seed(program)
    return made


def _selections_seed(program: Program) -> None:
    """A few teachers of the demo school select the demo institution's courses (so the
    selection page and the institution's learners have rows); the demo teacher is left to
    choose for themselves."""
    from tisheng.core.seed.schools import DEMO_SCHOOL_CODE
    from tisheng.people.models import Teacher

    courses = list(Course.objects.filter(program=program, institution__code="INST-FJNU").order_by("code"))
    teachers = (Teacher.objects.filter(school__code=DEMO_SCHOOL_CODE, user__isnull=False,
                                       enrollments__program=program)
                .exclude(user__phone=DEMO_TEACHER_PHONE).select_related("user").order_by("pk")[:6])
    for i, teacher in enumerate(teachers):
        # The first four select enough 学时 (30 ≥ 25), the others one course only.
        for course in courses if i < 4 else courses[:1]:
            services.selection_add(actor=teacher.user, teacher=teacher, program=program, course=course)
