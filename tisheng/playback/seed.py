"""Demo data for the player: one short course with a generated video, selected by the demo
teacher (13800000008), so `tisheng seed --scale demo` shows playback end to end."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from tisheng.learning.models import Contract, Course, CourseSelection, Lesson
from tisheng.learning.selectors import contracted_institutions_for
from tisheng.orgs.models import Organization, Region
from tisheng.people.models import Teacher

DEMO_TEACHER_PHONE = "13800000008"
DEMO_COURSE_CODE = "PLAY-DEMO"
DEMO_COURSE_TITLE = "信息技术支持的课堂导入（播放演示）"
DEMO_LESSON_TITLE = "课堂导入示例"
DEMO_VIDEO = "videos/playback-demo.mp4"
DEMO_VIDEO_SECONDS = 8


def video_generate(path: Path, *, seconds: int) -> bool:
    """A small H.264 MP4 test picture of `seconds` (Debian's ffmpeg); False when ffmpeg is missing."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi",  # noqa: S603 - fixed arguments
                    "-i", f"testsrc=duration={seconds}:size=320x180:rate=10", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-movflags", "+faststart", str(path)], check=True)
    return True


@transaction.atomic
def playback_demo_seed() -> Lesson | None:
    """The demo teacher's course to play: from an institution contracted for their place in their
    active program, a published one-lesson course with an 8-second generated video, selected."""
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
    course, _ = Course.objects.get_or_create(
        institution=institution, code=DEMO_COURSE_CODE,
        defaults={"program": program, "title": DEMO_COURSE_TITLE, "hours": Decimal("1"), "micro_abilities": ["A1"],
                  "topics": ["T1"], "status": Course.Status.PUBLISHED,
                  "description": "演示课程：播放、心跳计时与防刷课。"})
    has_video = video_generate(Path(settings.PRIVATE_MEDIA_ROOT) / DEMO_VIDEO, seconds=DEMO_VIDEO_SECONDS)
    lesson, _ = Lesson.objects.get_or_create(
        course=course, order=1,
        defaults={"title": DEMO_LESSON_TITLE, "duration_seconds": DEMO_VIDEO_SECONDS,
                  "video_file": DEMO_VIDEO if has_video else ""})
    CourseSelection.objects.get_or_create(teacher=teacher, program=program, course=course)
    return lesson
