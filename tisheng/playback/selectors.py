"""Reads for the player and for monitoring."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.db.models import Max, Q

from tisheng.learning.models import Course, Lesson
from tisheng.learning.selectors import contracted_institutions_for
from tisheng.people.models import Teacher
from tisheng.playback.models import PlaybackSession
from tisheng.programs.models import Enrollment


def teacher_for_user(user) -> Teacher | None:
    if not user.is_authenticated:
        return None
    return Teacher.objects.filter(user=user).select_related("school").first()


def lessons_visible_to_teacher(teacher: Teacher):
    """Lessons the teacher may watch: published courses of the programs the teacher is enrolled
    in, from the institutions contracted for the teacher's place (the catalogue's rule: the
    deepest region above the teacher with contracts decides, so a city's choice replaces the
    province's selection). One query."""
    programs = list(Enrollment.objects.filter(teacher=teacher).values_list("program_id", flat=True))
    allowed = Q(pk__in=[])
    for program_id in programs:
        allowed |= Q(course__program_id=program_id,
                     course__institution_id__in=contracted_institutions_for(teacher, program_id))
    return Lesson.objects.filter(allowed, course__status=Course.Status.PUBLISHED)


def get_lesson_for_teacher(teacher: Teacher | None, pk: int) -> Lesson | None:
    """The lesson with its course, program and HLS rendition (if any), or None when it is not the
    teacher's to watch."""
    if teacher is None:
        return None
    return lessons_visible_to_teacher(teacher).select_related("course__program", "hls").filter(pk=pk).first()


def course_progress(teacher: Teacher, course: Course) -> list[dict]:
    """Per lesson of the course, in order: the lesson, seconds covered, coverage and whether it
    is complete (the newest session of each lesson holds the progress). Two queries."""
    return lessons_progress(teacher, list(course.lessons.all()))


def my_lessons(teacher: Teacher) -> list[dict]:
    """The lessons of the courses the teacher selected and may watch, with their progress."""
    lessons = list(lessons_visible_to_teacher(teacher).filter(course__selections__teacher=teacher)
                   .select_related("course").order_by("course__title", "course_id", "order", "id").distinct())
    return lessons_progress(teacher, lessons)


def percent_of(fraction: float) -> int:
    """A share as a whole percentage, rounded down: 99.6 % of a lesson is not shown as done."""
    return max(0, min(100, math.floor(fraction * 100 + 1e-9)))


def percent_text(fraction: float) -> str:
    """What a page shows of a percentage (player.js says the same): rounded down, and "<1" for a
    start below one percent, so a begun course never reads as untouched."""
    percent = percent_of(fraction)
    return "<1" if percent == 0 and fraction > 0 else str(percent)


def course_percent(progress: list[dict]) -> float:
    """The course's progress as a share: the time credited in its lessons over their length
    (the one course percentage the pages show)."""
    total = sum(p["lesson"].duration_seconds for p in progress)
    if not total:
        return 0.0
    return sum(min(p["seconds"], p["lesson"].duration_seconds) for p in progress) / total


def lessons_progress(teacher: Teacher, lessons: list[Lesson]) -> list[dict]:
    latest = (PlaybackSession.objects.filter(teacher=teacher, lesson__in=lessons)
              .values("lesson_id").annotate(last=Max("id")).values_list("last", flat=True))
    by_lesson = {row["lesson_id"]: row for row in PlaybackSession.objects.filter(id__in=list(latest))
                 .values("lesson_id", "lesson_seconds", "lesson_complete", "position")}
    out = []
    for lesson in lessons:
        row = by_lesson.get(lesson.pk, {})
        seconds = row.get("lesson_seconds", 0.0)
        coverage = min(1.0, seconds / lesson.duration_seconds) if lesson.duration_seconds else 0.0
        out.append({"lesson": lesson, "seconds": seconds, "coverage": coverage, "percent": percent_of(coverage),
                    "percent_text": percent_text(coverage), "position": row.get("position", 0.0),
                    "complete": bool(row.get("lesson_complete", False))})
    return out


def last_activity_by_teacher(teacher_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """The time of each teacher's last heartbeat (aware, UTC); teachers who never played are absent."""
    rows = (PlaybackSession.objects.filter(teacher_id__in=list(teacher_ids)).values("teacher_id")
            .annotate(last=Max("last_beat_ts")).values_list("teacher_id", "last"))
    return {tid: dt.datetime.fromtimestamp(ts, dt.UTC) for tid, ts in rows if ts is not None}
