"""Objective measures of an institution per region and year (网络评估 from the platform's own
data), each one grouped query, whatever the number of teachers:

- selections of its courses made that year and how many were completed (completion = the
  course's hours credited: played here, `source_kind="course"`, or reported by xAPI with a
  ledger entry not voided) and the median days from selection to completion;
- hours credited that year for its courses (played or reported), reversed credits left out;
- the share of its completion statements that credited nothing (xAPI rejections);
- sign-ons refused at its platform (audit `integration.sso_refused`);
- complaints: ratings whose mean is at most 2 stars with a comment;
- spot-check failures of practice points of teachers who took its courses;
- the ratings' count and mean per dimension.

Rows are keyed by city (the first two segments of a path: GB/T 2260 codes are fixed-width, so
`35/3501` is a prefix of every path below it) or by institution (for the ranking). The median
is PostgreSQL's `percentile_cont` in the same statement (`_completions`, SQL with hash joins:
the ledger names a course in a text column the ORM cannot join on); SQLite has no percentile,
so there the statement returns the completed selections' durations and Python takes the median.

Cost (bench_institution_evaluation, 20k selections, 100k ledger entries): about eight queries.
A scoped office's figures read only its own teachers' rows (a county of 10,000 teachers among
100,000: the completions statement 672 → 215 ms, the page 959 → 359 ms at load 5); the
province's come from the daily roll-up (rollup.py: 10 s for 450,000 learners at load 12)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.institutions.models import RATING_DIMENSIONS, CourseRating
from tisheng.institutions.services.ratings import COMPLAINT_STARS
from tisheng.integration.models import StatementOutcome
from tisheng.learning.models import Course
from tisheng.ledger.models import LedgerEntry
from tisheng.orgs.scope import path_q
from tisheng.people.models import Teacher
from tisheng.practice.checks.models import SpotCheckItem

CITY_PATH_LEN = len("35/3501")
COUNTY_PATH_LEN = len("35/3501/350102")
SSO_REFUSED = "integration.sso_refused"
TOTAL = "*"


@dataclass
class Measures:
    selections: int = 0
    completed: int = 0
    median_days: float | None = None
    hours: Decimal = Decimal(0)
    statements: int = 0
    rejected: int = 0
    sso_failures: int = 0
    ratings: int = 0
    complaints: int = 0
    spot_failures: int = 0
    stars: dict = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.selections if self.selections else None

    @property
    def rejected_share(self) -> float | None:
        return self.rejected / self.statements if self.statements else None

    @property
    def stars_mean(self) -> float | None:
        values = [v for v in self.stars.values() if v is not None]
        return sum(values) / len(values) if values else None

    def add(self, other: Measures) -> None:
        for name in ("selections", "completed", "hours", "statements", "rejected", "sso_failures", "ratings",
                     "complaints", "spot_failures"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def done_at() -> Coalesce:
    """When a CourseSelection's course was completed: its hours credited to the ledger by
    playback, else by the institution's xAPI completion (not voided); NULL while unfinished."""
    played = LedgerEntry.objects.filter(
        program=OuterRef("program_id"), teacher=OuterRef("teacher_id"), source_kind="course",
        source_id=Cast(OuterRef("course_id"), CharField()), reverses__isnull=True, reversed_by__isnull=True
    ).values("at")[:1]
    reported = StatementOutcome.objects.filter(teacher=OuterRef("teacher_id"), course=OuterRef("course_id"),
                                               entry__isnull=False, voided_at__isnull=True).values("stored_at")[:1]
    return Coalesce(Subquery(played), Subquery(reported))


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def _key(path_field: str, institution_field: str, by: str):
    return Substr(path_field, 1, CITY_PATH_LEN) if by == "city" else F(institution_field)


def _scoped(qs, path_field: str, scope_paths: list[str] | None):
    return qs if scope_paths is None else qs.filter(path_q(path_field, scope_paths))


def measures(*, institution_ids: list[int], year: int, by: str = "city",
             scope_paths: list[str] | None = None) -> dict:
    """{city path or institution id: Measures}, plus TOTAL (all rows the scope allows; for the
    province it also counts statements about no known teacher, which belong to no city)."""
    start, end = year_bounds(year)
    rows: dict = defaultdict(Measures)

    # Selections, completions and the median days (one statement).
    counted, total_median = _completions(institution_ids, start, end, by, scope_paths)
    for k, (n, completed, median) in counted.items():
        rows[k].selections, rows[k].completed, rows[k].median_days = n, completed, median
    # Hours credited (only per city: an institution's own page).
    if by == "city" and len(institution_ids) == 1:
        from tisheng.orgs.models import Organization

        code = Organization.objects.filter(pk=institution_ids[0]).values_list("code", flat=True).first()
        course_ids = [str(pk) for pk in Course.objects.filter(institution_id=institution_ids[0])
                      .values_list("pk", flat=True)]
        credits = LedgerEntry.objects.filter(
            Q(source_kind="course", source_id__in=course_ids) | Q(source_kind="xapi", granted_by_system=f"xapi:{code}"),
            at__gte=start, at__lt=end, reverses__isnull=True, reversed_by__isnull=True)
        if scope_paths is not None:  # its own teachers' rows through the teacher index
            credits = credits.filter(teacher_id__in=Teacher.objects.filter(path_q("org_path", scope_paths))
                                     .values("pk"))
        for r in (credits.annotate(k=Substr("teacher__org_path", 1, CITY_PATH_LEN)).values("k")
                  .annotate(h=Sum("hours")).order_by()):
            rows[r["k"]].hours = r["h"] or Decimal(0)
    # xAPI completion statements and their rejections.
    outcomes = StatementOutcome.objects.filter(institution_id__in=institution_ids, day__gte=dt.date(year, 1, 1),
                                               day__lte=dt.date(year, 12, 31))
    unplaced = Measures()
    if by == "city":
        if scope_paths is None:
            nobody = outcomes.filter(teacher__isnull=True).aggregate(n=Count("id"), bad=Count("id", filter=~Q(reason="")))
            unplaced.statements, unplaced.rejected = nobody["n"], nobody["bad"]
        outcomes = _scoped(outcomes.filter(teacher__isnull=False), "teacher__org_path", scope_paths)
    for r in (outcomes.annotate(k=_key("teacher__org_path", "institution_id", by)).values("k")
              .annotate(n=Count("id"), bad=Count("id", filter=~Q(reason=""))).order_by()):
        rows[r["k"]].statements, rows[r["k"]].rejected = r["n"], r["bad"]
    # Sign-ons refused at its platform.
    refused = _scoped(AuditLog.objects.filter(action=SSO_REFUSED, object_type="organization",
                                              object_id__in=[str(i) for i in institution_ids], at__gte=start,
                                              at__lt=end), "scope_path", scope_paths)
    for r in (refused.annotate(k=Substr("scope_path", 1, CITY_PATH_LEN) if by == "city" else F("object_id"))
              .values("k").annotate(n=Count("id")).order_by()):
        rows[r["k"] if by == "city" else int(r["k"])].sso_failures = r["n"]
    # Ratings and complaints.
    ratings = _scoped(CourseRating.objects.filter(institution_id__in=institution_ids, updated_at__gte=start,
                                                  updated_at__lt=end), "org_path", scope_paths)
    dims = [d for d, _label in RATING_DIMENSIONS]
    complaint = Q(comment__gt="", m__lte=COMPLAINT_STARS * len(dims))
    mean = sum((F(d) for d in dims[1:]), F(dims[0]))
    for r in (ratings.annotate(k=_key("org_path", "institution_id", by), m=mean).values("k")
              .annotate(n=Count("id"), bad=Count("id", filter=complaint),
                        **{f"avg_{d}": Avg(d) for d in dims}).order_by()):
        rows[r["k"]].ratings, rows[r["k"]].complaints = r["n"], r["bad"]
        rows[r["k"]].stars = {d: r[f"avg_{d}"] for d in dims}
    # Spot-check failures of teachers who took its courses.
    taken = "result__teacher__course_selections__course__institution_id"
    failed = _scoped(SpotCheckItem.objects.filter(outcome=SpotCheckItem.Outcome.FAILED, decided_at__gte=start,
                                                  decided_at__lt=end, **{f"{taken}__in": institution_ids}),
                     "org_path", scope_paths)
    for r in (failed.annotate(k=_key("org_path", taken, by)).values("k")
              .annotate(n=Count("id", distinct=True)).order_by()):
        rows[r["k"]].spot_failures = r["n"]

    total = Measures()
    for m in rows.values():
        total.add(m)
    total.add(unplaced)
    total.median_days = total_median
    weight = sum(m.ratings for m in rows.values())
    if weight:
        total.stars = {d: sum((m.stars.get(d) or 0) * m.ratings for m in rows.values()) / weight for d in dims}
    result = dict(rows)
    result[TOTAL] = total
    return result


def _completions(institution_ids: list[int], start: dt.datetime, end: dt.datetime, by: str,
                 scope_paths: list[str] | None) -> tuple[dict, float | None]:
    """{key: (selections that year, completed, median days)} and the median over all of them.

    One statement with hash joins: the first credit of each (teacher, course) from the ledger
    (playback, not reversed) or from xAPI outcomes (credited, not voided), joined to the year's
    selections. Written in SQL because the ledger names the course in a text column
    (`source_id`), which the ORM cannot join on; a correlated subquery per selection cost
    about a second for 20,000 selections. PostgreSQL takes the medians itself (GROUPING SETS);
    SQLite has no percentile, so there the durations come back, one number each."""
    postgres = connection.vendor == "postgresql"
    ids = ", ".join(str(int(i)) for i in institution_ids) or "NULL"
    key = f"SUBSTR(t.org_path, 1, {CITY_PATH_LEN})" if by == "city" else "c.institution_id"
    adapt = connection.ops.adapt_datetimefield_value
    params, scoped, teachers, ledger_scope, outcome_scope = [], "", "people_teacher", "", ""
    if scope_paths is not None:
        # A scoped office's figures start from its own teachers (the org_path index) and read
        # only their selections and credits, not every row of the institution's courses: a
        # county is about 1/84 of them. Materialised on PostgreSQL, so the planner counts the
        # teachers before choosing the joins (inlined, it walked every selection of the courses).
        condition = " OR ".join(["st.org_path = %s OR st.org_path LIKE %s"] * len(scope_paths) or ["1 = 0"])
        for p in scope_paths:
            params += [p, p.replace("%", "").replace("_", "") + "/%"]
        scoped = (f"scoped AS {'MATERIALIZED ' if postgres else ''}"
                  f"(SELECT st.id, st.org_path FROM people_teacher st WHERE {condition}), ")
        teachers = "scoped"
        ledger_scope = " AND e.teacher_id IN (SELECT id FROM scoped)"
        outcome_scope = " AND o.teacher_id IN (SELECT id FROM scoped)"
    params += [adapt(start), adapt(end)]
    took = ("EXTRACT(EPOCH FROM (f.at - s.selected_at))" if postgres
            else "(julianday(f.at) - julianday(s.selected_at)) * 86400")
    done = f"""
        WITH {scoped}done AS (
            SELECT e.teacher_id, CAST(e.source_id AS INTEGER) AS course_id, MIN(e.at) AS at
            FROM ledger_ledgerentry e
            WHERE e.source_kind = 'course' AND e.reverses_id IS NULL
              AND e.source_id IN (SELECT CAST(id AS TEXT) FROM learning_course WHERE institution_id IN ({ids}))
              AND NOT EXISTS (SELECT 1 FROM ledger_ledgerentry r WHERE r.reverses_id = e.id){ledger_scope}
            GROUP BY e.teacher_id, e.source_id
            UNION ALL
            SELECT o.teacher_id, o.course_id, MIN(o.stored_at)
            FROM integration_statementoutcome o
            WHERE o.institution_id IN ({ids}) AND o.entry_id IS NOT NULL AND o.voided_at IS NULL
              AND o.teacher_id IS NOT NULL AND o.course_id IS NOT NULL{outcome_scope}
            GROUP BY o.teacher_id, o.course_id
        ), first AS (SELECT teacher_id, course_id, MIN(at) AS at FROM done GROUP BY teacher_id, course_id)
        SELECT {{select}}
        FROM learning_courseselection s
        JOIN learning_course c ON c.id = s.course_id
        JOIN {teachers} t ON t.id = s.teacher_id
        LEFT JOIN first f ON f.teacher_id = s.teacher_id AND f.course_id = s.course_id
        WHERE c.institution_id IN ({ids}) AND s.selected_at >= %s AND s.selected_at < %s
        {{group}}"""
    out: dict = {}
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(done.format(
                select=f"{key} AS k, GROUPING({key}) AS total, COUNT(*), COUNT(f.at), "
                       f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {took}) FILTER (WHERE f.at IS NOT NULL)",
                group=f"GROUP BY GROUPING SETS (({key}), ())"), params)
            total_median = None
            for k, is_total, n, completed, median in cursor.fetchall():
                days = round(max(float(median), 0) / 86400, 1) if median is not None else None
                if is_total:
                    total_median = days
                else:
                    out[k] = (n, completed, days)
            return out, total_median
        cursor.execute(done.format(select=f"{key} AS k, {took}", group=""), params)
        selected: dict = defaultdict(int)
        by_key: dict = defaultdict(list)
        for k, seconds in cursor.fetchall():
            selected[k] += 1
            if seconds is not None:
                by_key[k].append(max(float(seconds), 0) / 86400)
    everything = [d for values in by_key.values() for d in values]
    out = {k: (n, len(by_key[k]), round(statistics.median(by_key[k]), 1) if by_key[k] else None)
           for k, n in selected.items()}
    return out, round(statistics.median(everything), 1) if everything else None
