"""Teachers rate the courses they finished (网络评估, the Fujian notice 五.(六)): 1–5 on four
dimensions and a comment, one rating per teacher and course (saving again edits it; the
database's unique constraint keeps it one). A course is finished when its completion credited
hours to the ledger: played here (`source_kind="course"`) or reported by the institution's
platform through xAPI (an outcome with a ledger entry, not voided).

The rater stays anonymous to the institution: its pages read aggregates and comments only,
never the teacher, and comments of a county with fewer than `MIN_RATINGS_FOR_COMMENTS`
ratings are withheld (a small county's comment could point at one person). For the same
reason a rating writes no audit row naming the teacher."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import User
from tisheng.institutions.models import RATING_DIMENSIONS, CourseRating
from tisheng.integration.models import StatementOutcome
from tisheng.learning.models import Course
from tisheng.ledger.models import LedgerEntry
from tisheng.people.models import Teacher
from tisheng.people.selectors import own_teacher

MIN_RATINGS_FOR_COMMENTS = 5
MAX_COMMENT = 1000
COMPLAINT_STARS = 2  # a rating whose mean is at most this, with a comment, counts as a complaint

RATING_INVALID = _("Give every dimension 1 to 5 stars: %(dimension)s is missing.")
COMMENT_TOO_LONG = _("The comment may be at most 1,000 characters.")


def finished_course_ids(teacher: Teacher) -> QuerySet:
    """Ids of the courses whose completion credited the teacher (played or reported by xAPI)."""
    played = (LedgerEntry.objects.filter(teacher=teacher, source_kind="course", reverses__isnull=True,
                                         reversed_by__isnull=True)
              .annotate(course_pk=Cast("source_id", IntegerField())).values("course_pk"))
    reported = StatementOutcome.objects.filter(teacher=teacher, entry__isnull=False, voided_at__isnull=True,
                                               course__isnull=False).values("course_id")
    return Course.objects.filter(Q(pk__in=played) | Q(pk__in=reported)).values("pk")


def finished_courses(teacher: Teacher) -> QuerySet[Course]:
    return (Course.objects.filter(pk__in=finished_course_ids(teacher))
            .select_related("institution", "program").order_by("institution__name", "code"))


def get_finished_course(actor: User, pk: int) -> tuple[Teacher, Course]:
    """The actor's teacher record and a course they finished; 404 for anything else."""
    teacher = own_teacher(actor)
    if teacher is None:
        raise Http404
    course = finished_courses(teacher).filter(pk=pk).first()
    if course is None:
        raise Http404
    return teacher, course


def _stars(values: dict[str, str]) -> dict[str, int]:
    stars = {}
    for key, label in RATING_DIMENSIONS:
        raw = str(values.get(key, "")).strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 5:
            raise ValidationError(RATING_INVALID, code="rating_invalid", params={"dimension": label})
        stars[key] = int(raw)
    return stars


def rating_save(*, actor: User, course_pk: int, values: dict[str, str], comment: str = "") -> tuple[CourseRating, bool]:
    """Create or edit the actor's rating of a course they finished. Returns (rating, created)."""
    teacher, course = get_finished_course(actor, course_pk)
    stars = _stars(values)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(COMMENT_TOO_LONG, code="comment_too_long")
    defaults = {**stars, "comment": comment, "updated_at": timezone.now(), "org_path": teacher.org_path,
                "institution_id": course.institution_id, "program_id": course.program_id}
    try:
        with transaction.atomic():
            rating, created = CourseRating.objects.update_or_create(teacher=teacher, course=course, defaults=defaults)
    except IntegrityError:  # a second tab saved the first rating at the same moment: edit that one
        rating, created = CourseRating.objects.update_or_create(teacher=teacher, course=course, defaults=defaults)
    return rating, created


def unrated_courses(teacher: Teacher) -> QuerySet[Course]:
    return finished_courses(teacher).exclude(pk__in=CourseRating.objects.filter(teacher=teacher).values("course_id"))
