"""Whether a course's hours may still be credited to a teacher: the one rule every crediting
channel asks (the player's completion check, a passed quiz, the LRS's completion statements),
and what the teacher's course and lesson pages say when the answer is no.

Upper apps stop crediting through COURSE_CREDIT_STOPS, registered at start-up so learning
imports none of them (institutions: an institution suspended or terminated where the teacher
is, from the effective date; hours credited before stay). Each is
`f(places: set[tuple[str, int]], on: date) -> dict[tuple[str, int], str]`: for each
(teacher's org_path, course's institution id) it stops, the sentence the teacher reads. It is
set-based so an xAPI batch asks once, whatever its size. A stop is in effect *from* a date until
it is lifted (a lifted one stops nothing, on any day): the later the day asked, the more it stops.

The offices' counts over a county's thousands of teachers (learning.selectors: who has selected
enough) cannot ask place by place, so the same apps also say *where* they stop, through
COURSE_CREDIT_STOP_AREAS: each is `f(on: date) -> Iterable[tuple[int, str]]`, the (institution id,
region path) pairs stopped on that day, '' for the whole province. credit_stop_areas gathers them
(one query for institutions) and stopped_q turns them into one SQL condition on a selection.

A completion another system reports (an institution's platform, through the LRS) counts on the
day it was made, not the day it arrived, so a nightly batch does not cost a teacher the hours
of a course finished the evening before an exit took effect. The xAPI standard gives both
moments: `timestamp`, when the experience occurred, which the platform asserts, and `stored`,
when the LRS stored the statement, which the LRS sets (xAPI 1.0.3, Data 2.4.7 and 2.4.8:
"there can be delays between the occurrence of the experience and the reception of the
corresponding Statement by the LRS"). Since the exited institution writes the timestamp itself,
it is believed only so far (counting_day):

- a report stored more than CREDIT_LATE_REPORT_DAYS (7) after the effective date credits
  nothing, whatever its timestamp: the day it counts on is never earlier than the day before
  the first effective date it could still beat. A week covers a nightly batch, a weekend and a
  failed retry, and bounds what an exited institution could back-date to the week after its
  exit, in courses its teachers had selected;
- a timestamp later than stored by more than CLOCK_SKEW is a clock or a claim not to trust (the
  standard: "SHOULD be the current or a past time"): the completion counts as made when stored;
- no timestamp: when stored (the LRS sets the timestamp to stored when it is absent)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.evaluators import today
from tisheng.ledger.models import LedgerEntry

COURSE_CREDIT_STOPS: list = []
COURSE_CREDIT_STOP_AREAS: list = []
# The ledger's source for hours of an unfinished course carried over when its institution left
# (institutions.services.carry_over; source_id is the course's id: once per teacher and course).
CARRY_OVER = "exit_carry_over"
# How far ahead of the LRS's clock a platform's timestamp may be and still be believed.
CLOCK_SKEW = dt.timedelta(minutes=5)

Place = tuple[str, int]  # (teacher's org_path, course's institution id)


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


def credit_stop_areas(on: dt.date | None = None) -> set[tuple[int, str]]:
    """Where courses earn no more hours on `on` (today by default): (institution id, region path)
    pairs, '' for the whole province; an empty set when nothing stops them."""
    found: set[tuple[int, str]] = set()
    for areas in COURSE_CREDIT_STOP_AREAS:
        found.update(areas(on or today()))
    return found


def stopped_q(areas: Iterable[tuple[int, str]], *, institution: str, path: str) -> Q:
    """The rows whose `institution` field is stopped where their `path` field lies (at or below the
    area's region path, as credit_stops matches), one OR of indexed conditions per institution."""
    paths_by_institution: dict[int, set[str]] = defaultdict(set)
    for institution_id, region_path in areas:
        paths_by_institution[institution_id].add(region_path)
    q = Q(pk__in=[])
    for institution_id, paths in sorted(paths_by_institution.items()):
        where = Q()
        if "" not in paths:  # not province-wide: at or below one of the regions
            where = Q(pk__in=[])
            for p in sorted(paths):
                where |= Q(**{path: p}) | Q(**{f"{path}__startswith": p + "/"})
        q |= Q(**{institution: institution_id}) & where
    return q


def counting_day(made_at: dt.datetime | None, stored_at: dt.datetime) -> dt.date:
    """The day a reported completion counts on for the stops (Asia/Shanghai, as effective dates
    are): the day it was made (`made_at`, the xAPI timestamp), or the day it was stored when the
    timestamp is absent or ahead of stored by more than CLOCK_SKEW; never earlier than the day
    before the first effective date a report stored that day may still beat, so a stop in effect
    since more than CREDIT_LATE_REPORT_DAYS before it was stored refuses it.

    With an exit effective 1 March and the default 7 days: made 28 February and stored by 8
    March, it counts on 28 February (credited); stored 9 March, it counts on 1 March (refused)."""
    if made_at is None or made_at > stored_at + CLOCK_SKEW:
        made_at = stored_at
    earliest = timezone.localdate(stored_at) - dt.timedelta(days=settings.CREDIT_LATE_REPORT_DAYS + 1)
    return max(timezone.localdate(made_at), earliest)


def credit_stops_on(asks: Iterable[tuple[Place, dt.date]]) -> dict[tuple[Place, dt.date], str]:
    """credit_stops for places each asked on its own day (a batch of reported completions, each
    on its counting_day): the (place, day) pairs stopped, each with the reason.

    A stop in effect on a day is in effect on every later one, so every place is asked on the
    latest day first and only the places stopped then on their earlier days: one question per
    batch when no exit concerns it, else one per distinct day (counting days of one batch span
    the late-reporting window: at most CREDIT_LATE_REPORT_DAYS + 3 of them)."""
    asks = set(asks)
    found: dict[tuple[Place, dt.date], str] = {}
    if not asks:
        return found
    latest = max(day for _place, day in asks)
    stopped = credit_stops({place for place, _day in asks}, latest)
    earlier: dict[dt.date, set[Place]] = defaultdict(set)
    for place, day in asks:
        if place not in stopped:
            continue
        if day == latest:
            found[(place, day)] = stopped[place]
        else:
            earlier[day].add(place)
    for day, places in earlier.items():
        for place, reason in credit_stops(places, day).items():
            found[(place, day)] = reason
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
