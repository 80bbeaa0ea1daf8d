"""Reads of the catalogue, contracts and selections, always scoped to the actor."""

from __future__ import annotations

from tisheng.learning.models import Course, QuizAttempt


def course_has_quiz(course: Course) -> bool:
    """Whether the course has a quiz with at least one question."""
    return Course.objects.filter(pk=course.pk, quiz__questions__isnull=False).exists()


def quiz_passed(teacher, course: Course) -> bool:
    """True when the course has no quiz, or the teacher has passed it at least once."""
    if not course_has_quiz(course):
        return True
    return QuizAttempt.objects.filter(teacher=teacher, quiz__course=course, passed=True).exists()
