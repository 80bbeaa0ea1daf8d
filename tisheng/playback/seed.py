"""Demo data for the player: a one-学时 course selected by the demo teacher (13800000008), so
`tisheng seed --scale demo` shows playback end to end. Its first lesson is a 12-second clip (a
demo, or a browser test, can finish a lesson in seconds); the second holds the rest of the
学时, so the course's content backs its hours like every other course (course_publish)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from tisheng.learning import services as learning
from tisheng.learning.demo_media import DemoVideo, demo_videos
from tisheng.learning.models import Contract, Course, CourseSelection, Lesson
from tisheng.learning.seed import upload_demo_lesson
from tisheng.learning.selectors import contracted_institutions_for
from tisheng.orgs.models import Organization, Region
from tisheng.people.models import Teacher
from tisheng.playback.hls import rendition_build

DEMO_TEACHER_PHONE = "13800000008"
DEMO_COURSE_CODE = "PLAY-DEMO"
DEMO_COURSE_TITLE = "信息技术支持的课堂导入（播放演示）"
DEMO_COURSE_HOURS = Decimal("1")
DEMO_LESSON_TITLE = "课堂导入示例"
DEMO_VIDEO_SECONDS = 12
DEMO_SECOND_LESSON_TITLE = "导入环节的设计与反思"


@transaction.atomic
def playback_demo_seed() -> Lesson | None:
    """The demo teacher's course to play: from an institution contracted for their place in their
    active program, a published course of two lessons with generated videos, selected. Returns
    its first (short) lesson."""
    teacher = Teacher.objects.filter(user__phone=DEMO_TEACHER_PHONE).select_related("school__county").first()
    if teacher is None:
        return None
    enrollment = (teacher.enrollments.filter(program__status="active").select_related("program")
                  .order_by("-program__start_date").first())
    if enrollment is None:
        return None
    program = enrollment.program
    # An institution already serving the teacher's place (the catalogue seed's contracts); only
    # when there is none, the province selects one (a contract lower down would hide the others).
    institution = (Organization.objects.filter(pk__in=contracted_institutions_for(teacher, program))
                   .order_by("code").first())
    if institution is None:
        institution = Organization.objects.filter(kind="institution").order_by("code").first()
        if institution is None:
            return None
        province = Region.objects.get(path=teacher.org_path.split("/")[0])
        Contract.objects.get_or_create(program=program, institution=institution, region=province,
                                       defaults={"region_path": province.path})
    course = Course.objects.filter(institution=institution, code=DEMO_COURSE_CODE).first()
    if course is None:
        course = _course_publish(institution, program)
    CourseSelection.objects.get_or_create(teacher=teacher, program=program, course=course)
    return course.lessons.order_by("order").first()


def _course_publish(institution: Organization, program) -> Course:
    course = learning.course_create(actor=None, institution=institution, program=program, code=DEMO_COURSE_CODE,
                                    title=DEMO_COURSE_TITLE, hours=DEMO_COURSE_HOURS, micro_abilities=["A1"],
                                    topics=["T1"], description="演示课程：播放、心跳计时与防刷课。")
    rest = int(DEMO_COURSE_HOURS * program.ruleset.minutes_per_hour * 60) - DEMO_VIDEO_SECONDS
    lessons = [(DEMO_LESSON_TITLE, DEMO_VIDEO_SECONDS), (DEMO_SECOND_LESSON_TITLE, rest)]
    videos = [DemoVideo(DEMO_COURSE_TITLE, f"第 {i} 讲　{title}", seconds)
              for i, (title, seconds) in enumerate(lessons, start=1)]
    added = [upload_demo_lesson(course=course, title=title, seconds=seconds, video=path)
             for (title, seconds), path in zip(lessons, demo_videos(videos), strict=True)]
    # The short lesson plays as HLS at once (the browser test plays it); the long one's job waits for a worker.
    rendition_build(added[0])
    return learning.course_publish(actor=None, course=course)
