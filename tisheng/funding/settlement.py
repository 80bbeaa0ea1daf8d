"""The settlement computation: set-based, from the hours ledger to the statements' teacher rows
without one Python object per teacher.

For every online ledger row of the program up to the period's end it attributes the row to an
institution (a `course` credit through the course, an `xapi` credit and its reversal through the
statement outcome that made it) and keeps a running total per teacher in time order (a window
function). The hours paid for a row are the part of it that falls under the teacher's cap:

    paid = clamp(running) - clamp(running - hours),   clamp(x) = min(max(x, 0), cap)

which sums (telescopes) to clamp(total), so no teacher is paid beyond the cap over all periods
and institutions, a reversal below the cap gives back exactly what was paid for it, and a
reversal of hours beyond the cap costs nothing. A reversal in the period of a credit made
before it is an *adjustment* (its credit may sit in a confirmed statement, which is never
edited).

Most teachers' rows in a period fall in one bucket (one institution; payments, or only
adjustments). For them the sum telescopes: the period pays clamp(total to the end) - clamp(total
before the start), and no row needs its running total. Only the other teachers' rows (two
institutions in the period, or payments beside adjustments) are sorted for the window.

Steps, each one statement, all inside the caller's transaction:

1. `figures_build`: (a) one grouped pass over the program's online rows gives the figures per
   (teacher, institution) of the teachers with rows in the period (`funding_raw`); (b) the paying
   contract is found once per (school path, institution) pair, the deepest region with a
   contract for the institution above the school (`funding_paying`); (c) for enrolled teachers
   the result lands in `funding_figures`: one row per (paying contract, teacher). Temporary
   tables, ANALYZEd on PostgreSQL, so the planner joins them knowing their sizes (estimates
   through CTEs were off by 10,000x and chose nested loops).
2. `contract_totals`: one GROUP BY over it gives every statement's figures and line quantities.
3. `teacher_rows_insert`: one INSERT … SELECT writes every statement's teacher rows.

Cost: one sequential scan of the program's online rows, grouped by (teacher, kind, institution)
with one SUM each before the per-teacher figures are taken from those few buckets (grouping
the ~10 rows of a teacher with nine conditional aggregates each cost twice as much); a
reversal's original is looked up only for the reversals (a sub-select, not a join of every
row); no JIT (see figures_build). Then the window over the few mixed teachers' rows (through the
`ledger_by_enrollment` index); the joins to teachers, schools, enrollments and contracts run on
the grouped rows; the teacher rows carry no database key checks (models.StatementTeacher).
bench_funding, 20,000 teachers / 202,000 rows, same run: 3.3 s → 2.0 s wall, 1.8 → 0.95 s of
PostgreSQL CPU; linear in the rows, so ~5 M rows take ~21 s of CPU. A single statement's redraft (`contract=`) reads only the rows of the
teachers under the contract's region. Works the same on PostgreSQL and SQLite (there the sums
are floating point, hence the ROUND to cents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

ZERO = Decimal("0")
TABLE = "funding_figures"

CLAMP = "(CASE WHEN {x} < 0 THEN 0 WHEN {x} > %(cap)s THEN %(cap)s ELSE {x} END)"

# Step 1a: per (teacher, institution), enrolled teachers with online rows in the period, before
# any join to contracts. `kind`: 0 before the period, 1 a credit of the period, 2 its reversal in
# the period, 3 a reversal in the period of a credit made before it (an adjustment).
RAW_SQL = """
CREATE TEMP TABLE funding_raw AS
WITH entries AS NOT MATERIALIZED (
    SELECT e.id, e.teacher_id, e.hours, e.at,
           COALESCE(c.institution_id, so.institution_id, 0) AS institution_id,
           CASE WHEN e.at < %(start)s THEN 0 WHEN e.reverses_id IS NULL THEN 1
                WHEN (SELECT o.at FROM ledger_ledgerentry o WHERE o.id = e.reverses_id) >= %(start)s THEN 2
                ELSE 3 END AS kind
    FROM ledger_ledgerentry e
    LEFT JOIN learning_course c ON e.source_kind = 'course' AND CAST(c.id AS VARCHAR(64)) = e.source_id
    LEFT JOIN integration_statementoutcome so ON e.source_kind = 'xapi' AND so.entry_id = COALESCE(e.reverses_id, e.id)
    WHERE e.program_id = %(program)s AND e.category = 'online' AND e.at < %(end)s {under}
),
buckets AS (
    SELECT teacher_id, kind, institution_id, SUM(hours) AS hours
    FROM entries
    GROUP BY teacher_id, kind, institution_id
),
totals AS (
    SELECT teacher_id,
           SUM(CASE WHEN kind = 0 THEN hours ELSE 0 END) AS before_total, SUM(hours) AS end_total,
           MIN(CASE WHEN kind > 0 THEN institution_id END) AS inst_lo,
           MAX(CASE WHEN kind > 0 THEN institution_id END) AS inst_hi,
           MAX(CASE WHEN kind IN (1, 2) THEN 1 ELSE 0 END) AS pays,
           MAX(CASE WHEN kind = 3 THEN 1 ELSE 0 END) AS adjusts,
           SUM(CASE WHEN kind = 1 THEN hours ELSE 0 END) AS credited,
           SUM(CASE WHEN kind = 2 THEN hours ELSE 0 END) AS reversed,
           SUM(CASE WHEN kind = 3 THEN hours ELSE 0 END) AS adjustment
    FROM buckets
    GROUP BY teacher_id
    HAVING MAX(kind) > 0
),
simple AS (
    SELECT teacher_id, inst_lo AS institution_id, credited, reversed, adjustment, pays,
           CLAMP_END - CLAMP_BEFORE AS period_paid, CLAMP_BEFORE AS paid_before
    FROM totals
    WHERE inst_lo = inst_hi AND pays + adjusts = 1
),
running AS (
    SELECT e.teacher_id, e.hours, e.kind, e.institution_id,
           SUM(e.hours) OVER (PARTITION BY e.teacher_id ORDER BY e.at, e.id ROWS UNBOUNDED PRECEDING) AS cum
    FROM entries e
    WHERE e.teacher_id IN (SELECT teacher_id FROM totals WHERE inst_lo <> inst_hi OR pays + adjusts <> 1)
),
paid AS (
    SELECT teacher_id, hours, kind, institution_id, CLAMP_CUM - CLAMP_PREV AS paid
    FROM running
),
mixed AS (
    SELECT teacher_id, institution_id,
           SUM(CASE WHEN kind = 1 THEN hours ELSE 0 END) AS credited,
           SUM(CASE WHEN kind = 2 THEN hours ELSE 0 END) AS reversed,
           SUM(CASE WHEN kind IN (1, 2) THEN paid ELSE 0 END) AS paid,
           SUM(CASE WHEN kind = 3 THEN hours ELSE 0 END) AS adjustment,
           SUM(CASE WHEN kind = 3 THEN paid ELSE 0 END) AS adjustment_paid,
           SUM(CASE WHEN kind = 0 THEN paid ELSE 0 END) AS paid_before_here, MAX(kind) AS last_kind
    FROM paid
    GROUP BY teacher_id, institution_id
),
mixed_before AS (
    SELECT m.*, SUM(m.paid_before_here) OVER (PARTITION BY m.teacher_id) AS paid_before
    FROM mixed m
)
SELECT teacher_id, institution_id, credited, reversed, CASE WHEN pays = 1 THEN period_paid ELSE 0 END AS paid,
       adjustment, CASE WHEN pays = 1 THEN 0 ELSE period_paid END AS adjustment_paid, paid_before
FROM simple
UNION ALL
SELECT teacher_id, institution_id, credited, reversed, paid, adjustment, adjustment_paid, paid_before
FROM mixed_before
WHERE last_kind > 0
""".replace("CLAMP_END", CLAMP.format(x="end_total")).replace("CLAMP_BEFORE", CLAMP.format(x="before_total")) \
   .replace("CLAMP_CUM", CLAMP.format(x="cum")).replace("CLAMP_PREV", CLAMP.format(x="(cum - hours)"))

# Step 1b: the paying contract of each (school path, institution) pair: the deepest region with
# a contract for the institution above the school. A few thousand pairs at province scale.
PAYING_SQL = """
CREATE TEMP TABLE funding_paying AS
WITH pairs AS (
    SELECT DISTINCT t.org_path, r.institution_id
    FROM funding_raw r
    JOIN people_teacher t ON t.id = r.teacher_id
    WHERE r.institution_id <> 0
)
SELECT pr.org_path, pr.institution_id, k.id AS contract_id
FROM pairs pr
JOIN learning_contract k ON k.program_id = %(program)s AND k.institution_id = pr.institution_id
     AND pr.org_path LIKE k.region_path || '/%%'
WHERE NOT EXISTS (SELECT 1 FROM learning_contract k2 WHERE k2.program_id = k.program_id
                  AND k2.institution_id = k.institution_id AND LENGTH(k2.region_path) > LENGTH(k.region_path)
                  AND pr.org_path LIKE k2.region_path || '/%%') {narrow}
"""

# Step 1c: one row per (paying contract, enrolled teacher) with the school's rural flag and the
# figures rounded to the cent. Plain tables with statistics on both sides: hash joins.
FIGURES_SQL = """
CREATE TEMP TABLE funding_figures AS
SELECT py.contract_id, r.teacher_id, t.org_path, s.is_rural,
       ROUND(r.credited, 2) AS credited, ROUND(r.reversed, 2) AS reversed, ROUND(r.paid, 2) AS paid,
       ROUND(r.adjustment, 2) AS adjustment, ROUND(r.adjustment_paid, 2) AS adjustment_paid,
       ROUND(r.paid_before, 2) AS paid_before
FROM funding_raw r
JOIN people_teacher t ON t.id = r.teacher_id
JOIN funding_paying py ON py.org_path = t.org_path AND py.institution_id = r.institution_id
JOIN orgs_school s ON s.id = t.school_id
WHERE EXISTS (SELECT 1 FROM programs_enrollment en WHERE en.program_id = %(program)s AND en.teacher_id = r.teacher_id)
"""

TOTALS_SQL = """
SELECT contract_id, COUNT(*), SUM(credited + reversed), SUM(paid), SUM(adjustment), SUM(adjustment_paid),
       SUM(CASE WHEN credited <> 0 OR reversed <> 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN adjustment <> 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN is_rural AND paid_before <= 0 AND paid > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN is_rural THEN paid + adjustment_paid ELSE 0 END),
       SUM(CASE WHEN is_rural THEN 1 ELSE 0 END)
FROM funding_figures
GROUP BY contract_id
"""

# The rural subsidy of one teacher row, in cents: `first` (per rural teacher paid for the first
# time) or `hours` (per paid hour, rounded half away from zero to the cent, 四舍五入, in integer
# arithmetic so that SQLite's floating point cannot move a half cent).
RURAL_CENTS = {
    "none": "0",
    "per_teacher": "CASE WHEN f.is_rural AND f.paid_before <= 0 AND f.paid > 0 THEN %(rural_cents)s ELSE 0 END",
    "per_hour": "CASE WHEN NOT f.is_rural THEN 0 WHEN f.v >= 0 THEN (f.v + 50) / 100 ELSE -((50 - f.v) / 100) END",
}

INSERT_SQL = """
INSERT INTO funding_statementteacher
    (statement_id, teacher_id, org_path, is_rural, credited_hours, reversed_hours, paid_hours, adjustment_hours,
     adjustment_paid_hours, paid_before, rural_amount)
SELECT m.column2, f.teacher_id, f.org_path, f.is_rural, f.credited, f.reversed, f.paid, f.adjustment,
       f.adjustment_paid, f.paid_before, ({rural}) / 100.0
FROM (SELECT x.*, CAST(ROUND((x.paid + x.adjustment_paid) * 100) AS BIGINT) * %(rural_cents)s AS v
      FROM funding_figures x) f
JOIN (VALUES {values}) m ON m.column1 = f.contract_id
"""


@dataclass
class ContractTotals:
    """One contract's figures for the period: what its statement and lines show."""

    contract_id: int
    teachers: int
    credited: Decimal  # credited hours net of reversals of period credits
    paid: Decimal
    adjustment: Decimal  # reversals of earlier credits
    adjustment_paid: Decimal
    online_teachers: int  # teachers with credits or reversals of the period
    adjustment_teachers: int
    rural_first: int  # rural teachers paid for the first time
    rural_hours: Decimal  # paid hours (adjustments included) of rural teachers
    rural_teachers: int


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in Asia/Shanghai, as aware datetimes."""
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def _dec(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def figures_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS funding_raw")
        cursor.execute("DROP TABLE IF EXISTS funding_paying")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def figures_build(*, program_id: int, start: dt.date, end: dt.date, cap: Decimal,
                  contract_id: int | None = None, region_path: str = "") -> None:
    """Fill the temporary table `funding_figures` (see the module docstring): one row per
    (paying contract, teacher) with figures in the period. `contract_id` and its `region_path`
    narrow it to one statement's redraft."""
    lo, hi = _bounds(start, end)
    ops = connection.ops
    # Raw SQL gets no field conversion: datetimes as the backend stores them (UTC text on SQLite),
    # the cap as a number SQLite compares numerically (a Decimal would be bound as text).
    params = {"program": program_id, "start": ops.adapt_datetimefield_value(lo),
              "end": ops.adapt_datetimefield_value(hi),
              "cap": float(cap) if connection.vendor == "sqlite" else Decimal(cap)}
    under = narrow = ""
    if contract_id is not None:
        under = "AND e.teacher_id IN (SELECT id FROM people_teacher WHERE org_path LIKE %(under)s)"
        params["under"] = region_path + "/%"
        narrow = "AND k.id = %(contract)s"
        params["contract"] = contract_id
    figures_drop()
    with connection.cursor() as cursor:
        analyze = connection.vendor == "postgresql"  # the planner's row counts for the joins that follow
        if analyze:
            # No JIT for the rest of the drafting's transaction: the reversal's sub-select (run for
            # 1 % of the rows) inflates the estimated cost past jit_above_cost, and compiling the
            # expressions cost 4 s for a statement that runs in 0.7 s (bench_funding, 20k teachers).
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(RAW_SQL.format(under=under), params)
        if analyze:
            cursor.execute("ANALYZE funding_raw")
        cursor.execute(PAYING_SQL.format(narrow=narrow), params)
        if analyze:
            cursor.execute("ANALYZE funding_paying")
        cursor.execute(FIGURES_SQL, params)


def contract_totals() -> dict[int, ContractTotals]:
    """Per paying contract, from `funding_figures`: one grouped query."""
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL)
        rows = cursor.fetchall()
    return {r[0]: ContractTotals(contract_id=r[0], teachers=r[1], credited=_dec(r[2]), paid=_dec(r[3]),
                                 adjustment=_dec(r[4]), adjustment_paid=_dec(r[5]), online_teachers=int(r[6]),
                                 adjustment_teachers=int(r[7]), rural_first=int(r[8]), rural_hours=_dec(r[9]),
                                 rural_teachers=int(r[10])) for r in rows}


def teacher_rows_insert(statement_of: dict[int, int], *, rural_mode: str, rural_amount: Decimal) -> int:
    """Write the teacher rows of the statements `statement_of` (contract id → statement id) from
    `funding_figures`, rural subsidy included, in one INSERT … SELECT; returns the row count."""
    if not statement_of:
        return 0
    values = ", ".join(f"({int(c)}, {int(s)})" for c, s in statement_of.items())
    cents = int((Decimal(rural_amount) * 100).to_integral_value())
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL.format(rural=RURAL_CENTS[rural_mode], values=values), {"rural_cents": cents})
        return cursor.rowcount
