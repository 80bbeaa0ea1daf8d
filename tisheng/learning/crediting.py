"""Whether a course's hours may still be credited to a teacher: the one rule every crediting
channel asks (the player's completion check, a passed quiz, the LRS's completion statements),
and what the teacher's course and lesson pages say when the answer is no.

Upper apps stop crediting through COURSE_CREDIT_STOPS, registered at start-up so learning
imports none of them (institutions: an institution suspended or terminated where the teacher
is, from the effective date; hours credited before stay). Each is
`f(places: set[tuple[str, int]], on: date) -> dict[tuple[str, int], str]`: for each
(teacher's org_path, course's institution id) it stops, the sentence the teacher reads. It is
set-based so an xAPI batch asks once, whatever its size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse

from tisheng.accounts.evaluators import today
from tisheng.ledger.models import LedgerEntry

COURSE_CREDIT_STOPS: list = []
# The ledger's source for hours of an unfinished course carried over when its institution left
# (institutions.services.carry_over; source_id is the course's id: once per teacher and course).
CARRY_OVER = "exit_carry_over"


def credit_stops(places: Iterable[tuple[str, int]], on: dt.date | None = None) -> dict[tuple[str, int], str]:
    """The places (org_path, institution id) where a course's hours can no longer be credited,
    each with the reason; an empty dict when nothing stops them."""
    places = set(places)
    found: dict[tuple[str, int], str] = {}
    if not places:
        return found
    for stop in COURSE_CREDIT_STOPS:
        for place, reason in stop(places, on or today()).items():
            found.setdefault(place, reason)
    return found


def carried_hours(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """Hours already carried over (CARRY_OVER) for these (teacher id, course id) pairs: a course
    finished later elsewhere credits only the rest of its hours. One query."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = (LedgerEntry.objects.filter(source_kind=CARRY_OVER, teacher_id__in={t for t, _c in pairs},
                                       source_id__in=[str(c) for _t, c in pairs])
            .values_list("teacher_id", "source_id").annotate(h=Sum("hours")).order_by())
    found = {(t, int(c)): h for t, c, h in rows}
    return {pair: found[pair] for pair in pairs if found.get(pair)}


def hours_due(teacher_id: int, course) -> Decimal:
    """What completing the course credits: its hours, less any carried over for it before."""
    return Decimal(course.hours) - carried_hours({(teacher_id, course.pk)}).get((teacher_id, course.pk), Decimal(0))


def credit_stop(teacher, course, on: dt.date | None = None) -> str:
    """Why the course's hours can no longer be credited to the teacher ('' when they can)."""
    place = (teacher.org_path, course.institution_id)
    return credit_stops({place}, on).get(place, "")


def credit_stop_notice(teacher, course) -> dict | None:
    """What the course and lesson pages show when the course no longer earns hours: the reason,
    the other institutions whose courses the teacher's catalogue offers instead, and the link."""
    reason = credit_stop(teacher, course)
    if not reason:
        return None
    from tisheng.learning.models import Course
    from tisheng.learning.selectors import CATALOGUE_COURSE_FILTERS, contracted_institutions_for
    from tisheng.orgs.models import Organization

    courses = (Course.objects.filter(program_id=course.program_id, status=Course.Status.PUBLISHED,
                                     institution_id__in=contracted_institutions_for(teacher, course.program_id))
               .exclude(institution_id=course.institution_id))
    for narrow in CATALOGUE_COURSE_FILTERS:
        courses = narrow(teacher, courses)
    others = Organization.objects.filter(pk__in=courses.values("institution_id")).order_by("name")
    carried = (LedgerEntry.objects.filter(teacher=teacher, program_id=course.program_id, source_kind=CARRY_OVER,
                                          source_id=str(course.pk)).aggregate(h=Sum("hours"))["h"])
    return {"reason": reason, "others": "、".join(others.values_list("name", flat=True)), "carried": carried,
            "catalogue_url": f"{reverse('learning:catalogue')}?program={course.program_id}"}
