"""The settlement computation: one SQL statement over the hours ledger for a program and a period.

For every online ledger row of the program up to the period's end it attributes the row to an
institution (a `course` credit through the course, an `xapi` credit and its reversal through the
statement outcome that made it) and keeps a running total per teacher in time order (a window
function). The hours paid for a row are the part of it that falls under the teacher's cap:

    paid = clamp(running) - clamp(running - hours),   clamp(x) = min(max(x, 0), cap)

which sums (telescopes) to clamp(total), so no teacher is paid beyond the cap over all periods
and institutions, a reversal below the cap gives back exactly what was paid for it, and a
reversal of hours beyond the cap costs nothing. Rows of the period are then grouped per
(paying contract, teacher): the paying office is the deepest region with a contract for the
institution and program above the teacher's school. A reversal in the period of a credit made
before it is an *adjustment* (its credit may sit in a confirmed statement, which is never
edited).

Cost: one pass over the program's online rows (the `ledger_by_enrollment` index is not needed:
it is a sequential scan plus one sort for the window), grouped once; Python only turns the
grouped rows (one per teacher) into model rows. Works the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

ZERO = Decimal("0")

SQL = """
WITH entries AS (
    SELECT e.id, e.teacher_id, e.hours, e.at, e.reverses_id, o.at AS reversed_at,
           COALESCE(c.institution_id, so.institution_id) AS institution_id
    FROM ledger_ledgerentry e
    LEFT JOIN ledger_ledgerentry o ON o.id = e.reverses_id
    LEFT JOIN learning_course c ON e.source_kind = 'course' AND CAST(c.id AS VARCHAR(64)) = e.source_id
    LEFT JOIN integration_statementoutcome so ON e.source_kind = 'xapi' AND so.entry_id = COALESCE(e.reverses_id, e.id)
    WHERE e.program_id = %(program)s AND e.category = 'online' AND e.at < %(end)s
),
running AS (
    SELECT id, teacher_id, hours, at, reverses_id, reversed_at, institution_id,
           SUM(hours) OVER (PARTITION BY teacher_id ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS cum
    FROM entries
),
paid AS (
    SELECT teacher_id, hours, at, reverses_id, reversed_at, institution_id,
           (CASE WHEN cum < 0 THEN 0 WHEN cum > %(cap)s THEN %(cap)s ELSE cum END)
         - (CASE WHEN cum - hours < 0 THEN 0 WHEN cum - hours > %(cap)s THEN %(cap)s ELSE cum - hours END) AS paid
    FROM running
),
before AS (
    SELECT teacher_id, SUM(paid) AS paid_before FROM paid WHERE at < %(start)s GROUP BY teacher_id
)
SELECT k.id, p.teacher_id, t.org_path, s.is_rural,
       SUM(CASE WHEN p.reverses_id IS NULL THEN p.hours ELSE 0 END),
       SUM(CASE WHEN p.reverses_id IS NOT NULL AND p.reversed_at >= %(start)s THEN p.hours ELSE 0 END),
       SUM(CASE WHEN p.reverses_id IS NULL OR p.reversed_at >= %(start)s THEN p.paid ELSE 0 END),
       SUM(CASE WHEN p.reverses_id IS NOT NULL AND p.reversed_at < %(start)s THEN p.hours ELSE 0 END),
       SUM(CASE WHEN p.reverses_id IS NOT NULL AND p.reversed_at < %(start)s THEN p.paid ELSE 0 END),
       COALESCE(MAX(b.paid_before), 0)
FROM paid p
JOIN people_teacher t ON t.id = p.teacher_id
JOIN orgs_school s ON s.id = t.school_id
JOIN programs_enrollment en ON en.program_id = %(program)s AND en.teacher_id = p.teacher_id
JOIN learning_contract k ON k.program_id = %(program)s AND k.institution_id = p.institution_id
     AND t.org_path LIKE k.region_path || '/%%'
     AND NOT EXISTS (SELECT 1 FROM learning_contract k2 WHERE k2.program_id = k.program_id
                     AND k2.institution_id = k.institution_id AND LENGTH(k2.region_path) > LENGTH(k.region_path)
                     AND t.org_path LIKE k2.region_path || '/%%')
LEFT JOIN before b ON b.teacher_id = p.teacher_id
WHERE p.at >= %(start)s {narrow}
GROUP BY k.id, p.teacher_id, t.org_path, s.is_rural
"""


@dataclass
class TeacherFigures:
    contract_id: int
    teacher_id: int
    org_path: str
    is_rural: bool
    credited: Decimal
    reversed: Decimal
    paid: Decimal
    adjustment: Decimal
    adjustment_paid: Decimal
    paid_before: Decimal


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in Asia/Shanghai, as aware datetimes."""
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def _dec(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def teacher_figures(*, program_id: int, start: dt.date, end: dt.date, cap: Decimal,
                    contract_ids: list[int] | None = None) -> list[TeacherFigures]:
    """Per (contract, teacher): the period's online figures (see the module docstring).
    `contract_ids` narrows to some paying contracts (one statement's redraft)."""
    lo, hi = _bounds(start, end)
    ops = connection.ops
    # Raw SQL gets no field conversion: datetimes as the backend stores them (UTC text on SQLite),
    # the cap as a number SQLite compares numerically (a Decimal would be bound as text).
    params = {"program": program_id, "start": ops.adapt_datetimefield_value(lo),
              "end": ops.adapt_datetimefield_value(hi),
              "cap": float(cap) if connection.vendor == "sqlite" else Decimal(cap)}
    narrow = ""
    if contract_ids is not None:
        narrow = "AND k.id IN (" + ",".join(str(int(c)) for c in contract_ids) + ")" if contract_ids else "AND 1 = 0"
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(narrow=narrow), params)
        rows = cursor.fetchall()
    return [TeacherFigures(contract_id=r[0], teacher_id=r[1], org_path=r[2], is_rural=bool(r[3]),
                           credited=_dec(r[4]), reversed=_dec(r[5]), paid=_dec(r[6]), adjustment=_dec(r[7]),
                           adjustment_paid=_dec(r[8]), paid_before=_dec(r[9])) for r in rows]
