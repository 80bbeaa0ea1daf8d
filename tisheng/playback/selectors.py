"""Reads for the player and for monitoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, Max, OuterRef

from tisheng.learning.models import Contract, Course, Lesson
from tisheng.people.models import Teacher
from tisheng.playback.models import PlaybackSession


def teacher_for_user(user) -> Teacher | None:
    if not user.is_authenticated:
        return None
    return Teacher.objects.filter(user=user).select_related("school").first()


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def lessons_visible_to_teacher(teacher: Teacher):
    """Lessons the teacher may watch: a published course of their program, from an institution
    contracted for that program at or above the teacher's region (the contract rule)."""
    contracted = Contract.objects.filter(program_id=OuterRef("course__program_id"),
                                         institution_id=OuterRef("course__institution_id"),
                                         region_path__in=_ancestor_paths(teacher.org_path))
    return (Lesson.objects.filter(course__status=Course.Status.PUBLISHED,
                                  course__program__enrollments__teacher=teacher)
            .filter(Exists(contracted)))


def get_lesson_for_teacher(teacher: Teacher | None, pk: int) -> Lesson | None:
    """The lesson with its course and program, or None when it is not the teacher's to watch."""
    if teacher is None:
        return None
    return lessons_visible_to_teacher(teacher).select_related("course__program").filter(pk=pk).first()


def course_progress(teacher: Teacher, course: Course) -> list[dict]:
    """Per lesson of the course, in order: the lesson, seconds covered, coverage and whether it
    is complete (the newest session of each lesson holds the progress). Two queries."""
    return lessons_progress(teacher, list(course.lessons.all()))


def my_lessons(teacher: Teacher) -> list[dict]:
    """The lessons of the courses the teacher selected and may watch, with their progress."""
    lessons = list(lessons_visible_to_teacher(teacher).filter(course__selections__teacher=teacher)
                   .select_related("course").order_by("course__title", "course_id", "order", "id").distinct())
    return lessons_progress(teacher, lessons)


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
        out.append({"lesson": lesson, "seconds": seconds, "coverage": coverage, "percent": round(coverage * 100),
                    "complete": bool(row.get("lesson_complete", False))})
    return out


def last_activity_by_teacher(teacher_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """The time of each teacher's last heartbeat (aware, UTC); teachers who never played are absent."""
    rows = (PlaybackSession.objects.filter(teacher_id__in=list(teacher_ids)).values("teacher_id")
            .annotate(last=Max("last_beat_ts")).values_list("teacher_id", "last"))
    return {tid: dt.datetime.fromtimestamp(ts, dt.UTC) for tid, ts in rows if ts is not None}
