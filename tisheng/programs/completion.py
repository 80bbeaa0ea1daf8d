"""Completion: what an enrollment has earned against its program's rule set.

Everything here is computed from the hours ledger and the rule set, never edited by hand.
`evaluate(enrollment)` explains one enrollment; `completion_refresh(...)` writes the result
(hour totals, the Chinese explanation, the state) back to enrollments; ledger_credit and
ledger_reverse call it for the enrollment they touch. `completion_refresh_program` does a
whole province in chunks: one GROUP BY query over the ledger per chunk and one bulk UPDATE,
never a query per enrollment.

States it moves: enrolled → in_progress (any hours) → complete (every requirement met), and
back when a reversal takes hours away. It never changes the state of an enrollment that is
exempt, under review, approved, certified or returned (new hours on a returned enrollment
keep it returned until the school resubmits it); their totals are still brought up to date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from tisheng.ledger.models import LedgerEntry
from tisheng.people.services.bulk import bulk_update
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.rules import CATEGORIES, CATEGORY_LABELS, RuleSet

ZERO = Decimal("0")
CENT = Decimal("0.01")
COMPLETE_TEXT = "已完成"

# The states completion moves between; any other state belongs to the review chain or to
# exemption and is left alone.
COMPUTED_STATES = frozenset({EnrollmentState.ENROLLED, EnrollmentState.IN_PROGRESS, EnrollmentState.COMPLETE})

RESULT_FIELDS = ("state", "online_hours", "practice_hours", "offline_hours", "imported_hours", "total_hours",
                 "explanation", "evaluated_at", "updated_at")


def fmt_hours(value: Decimal) -> str:
    """12 → "12", 12.50 → "12.5": hours as a person writes them."""
    return format(Decimal(value).quantize(CENT).normalize(), "f")


def _ceil(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class Evaluation:
    """One enrollment measured against its rule set. `counted` are the hours that count
    per category (imported hours only up to the rule set's cap); `raw` what the ledger
    holds. `missing` maps a category to the hours still needed in it, `missing_any` the
    hours still needed in any category on top of those."""

    raw: dict[str, Decimal]
    counted: dict[str, Decimal]
    total: Decimal
    required: Decimal
    missing: dict[str, Decimal] = field(default_factory=dict)
    missing_any: Decimal = ZERO
    practice_share: Decimal | None = None
    imported_capped: bool = False
    micro_points: tuple[int, int] | None = None  # (passed, required)
    micro_dimensions: tuple[int, int] | None = None
    complete: bool = False
    explanation: str = ""
    lines: tuple[str, ...] = ()

    @property
    def any_hours(self) -> bool:
        return any(v != 0 for v in self.raw.values())


def passed_micro_abilities(enrollment: Enrollment) -> tuple[int, int]:
    """(capability points passed, dimensions covered) for a 2.0 enrollment.

    From the practice app's point results (passed = assessed with 优秀 or 合格). Bulk
    evaluation reads `passed_micro_abilities_for`, which must agree."""
    return passed_micro_abilities_for(enrollment.program_id, [enrollment.pk]).get(enrollment.pk, (0, 0))


def passed_micro_abilities_for(program_id: int, enrollment_ids: list[int]) -> dict[int, tuple[int, int]]:
    """`passed_micro_abilities` for many enrollments of one program in one go (absent ids
    have passed nothing): the practice app's assessed points with result 优秀 or 合格, and
    their distinct dimensions. One query, whatever the number of enrollments."""
    from tisheng.practice.models import PointResult

    if not enrollment_ids:
        return {}
    points: dict[int, int] = {}
    dimensions: dict[int, set[str]] = {}
    rows = PointResult.objects.filter(
        program_id=program_id, status=PointResult.Status.ASSESSED, result__in=("excellent", "pass"),
        teacher__enrollments__program_id=program_id, teacher__enrollments__pk__in=enrollment_ids,
    ).values_list("teacher__enrollments__pk", "point_version__dimension")
    for enrollment_id, dimension in rows:
        points[enrollment_id] = points.get(enrollment_id, 0) + 1
        dimensions.setdefault(enrollment_id, set()).add(dimension)
    return {e: (n, len(dimensions[e])) for e, n in points.items()}


def evaluate_sums(rules: RuleSet, raw: dict[str, Decimal], micro: tuple[int, int] = (0, 0)) -> Evaluation:
    """The evaluation of ledger sums per category under `rules` (pure; no queries)."""
    raw = {c: Decimal(raw.get(c, ZERO) or ZERO) for c in CATEGORIES}
    counted = {c: max(raw[c], ZERO) for c in CATEGORIES}
    imported_capped = counted["imported"] > rules.max_imported_hours
    counted["imported"] = min(counted["imported"], rules.max_imported_hours)
    total = sum(counted.values(), ZERO)
    required = rules.required_hours

    missing: dict[str, Decimal] = {}
    for category in CATEGORIES:
        minimum = rules.min_hours.get(category, ZERO)
        if category == "practice" and rules.min_practice_share:
            share = rules.min_practice_share
            # At least the share of the required hours, and at least the share of all hours
            # counted: x more practice hours reach it when (p + x) >= share * (total + x).
            minimum = max(minimum, share * required)
            if share < 1:
                gap = (share * total - counted["practice"]) / (1 - share)
                minimum = max(minimum, counted["practice"] + gap)
        if counted[category] < minimum:
            missing[category] = _ceil(minimum - counted[category])
    missing_any = max(required - total - sum(missing.values(), ZERO), ZERO)

    lines: list[str] = []
    if missing:
        lines.append("还差" + "，".join(f"{CATEGORY_LABELS[c]} {fmt_hours(h)} 学时" for c, h in missing.items()))
        if missing_any:
            lines.append(f"另差任意类别 {fmt_hours(missing_any)} 学时")
    elif missing_any:
        lines.append(f"还差 {fmt_hours(missing_any)} 学时")

    points = dimensions = None
    micro_met = True
    if rules.micro_abilities is not None:
        need = rules.micro_abilities
        points, dimensions = (micro[0], need.min_points), (micro[1], need.min_dimensions)
        micro_met = micro[0] >= need.min_points and micro[1] >= need.min_dimensions
        if not micro_met:
            lines.append(f"能力点 {micro[0]}/{need.min_points}，维度 {micro[1]}/{need.min_dimensions}")

    complete = not missing and not missing_any and micro_met
    if imported_capped:
        lines.append(f"外部学时按上限 {fmt_hours(rules.max_imported_hours)} 学时计")
    if complete:
        lines.insert(0, COMPLETE_TEXT)
    share = (counted["practice"] / total).quantize(Decimal("0.001")) if total else None
    return Evaluation(raw=raw, counted=counted, total=total, required=required, missing=missing,
                      missing_any=missing_any, practice_share=share, imported_capped=imported_capped,
                      micro_points=points, micro_dimensions=dimensions, complete=complete,
                      explanation="；".join(lines)[:255], lines=tuple(lines))


def ledger_sums(program_id: int, teacher_id: int) -> dict[str, Decimal]:
    rows = (LedgerEntry.objects.filter(program_id=program_id, teacher_id=teacher_id)
            .values_list("category").annotate(total=Sum("hours")).order_by())
    return {category: total for category, total in rows}


def evaluate(enrollment: Enrollment) -> Evaluation:
    """Evaluate one enrollment from the ledger (one aggregate query)."""
    return evaluate_sums(enrollment.program.ruleset, ledger_sums(enrollment.program_id, enrollment.teacher_id),
                         passed_micro_abilities(enrollment))


def next_state(current: str, evaluation: Evaluation) -> str:
    if current not in COMPUTED_STATES:
        return current
    if evaluation.complete:
        return EnrollmentState.COMPLETE
    return EnrollmentState.IN_PROGRESS if evaluation.any_hours else EnrollmentState.ENROLLED


def _apply(enrollment: Enrollment, evaluation: Evaluation, now) -> bool:
    """Copy the evaluation onto `enrollment`; whether anything changed."""
    values = {
        "state": next_state(enrollment.state, evaluation),
        "online_hours": evaluation.counted["online"],
        "practice_hours": evaluation.counted["practice"],
        "offline_hours": evaluation.counted["offline"],
        "imported_hours": evaluation.counted["imported"],
        "total_hours": evaluation.total,
        "explanation": evaluation.explanation,
    }
    changed = enrollment.evaluated_at is None or any(
        getattr(enrollment, k) != v for k, v in values.items())
    if changed:
        for k, v in values.items():
            setattr(enrollment, k, v)
        enrollment.evaluated_at = now
        enrollment.updated_at = now
    return changed


# Sums per enrollment and category for a range of one program's enrollments: one indexed
# join on (program, teacher); plain SQL that PostgreSQL and SQLite both run.
_SUMS_SQL = """
SELECT e.id, l.category, SUM(l.hours)
FROM {enrollment} e JOIN {ledger} l ON l.program_id = e.program_id AND l.teacher_id = e.teacher_id
WHERE e.program_id = %s AND e.id >= %s AND e.id <= %s
GROUP BY e.id, l.category
"""


def _sums_for_range(program_id: int, low: int, high: int) -> dict[int, dict[str, Decimal]]:
    quote = connection.ops.quote_name
    sql = _SUMS_SQL.format(enrollment=quote(Enrollment._meta.db_table), ledger=quote(LedgerEntry._meta.db_table))
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, [program_id, low, high])
        for enrollment_id, category, total in cursor.fetchall():
            sums[enrollment_id][category] = Decimal(total).quantize(CENT) if total is not None else ZERO
    return sums


def _refresh_chunk(program: Program, rules: RuleSet, enrollments: list[Enrollment]) -> int:
    if not enrollments:
        return 0
    ids = [e.pk for e in enrollments]
    sums = _sums_for_range(program.pk, min(ids), max(ids))
    micro = passed_micro_abilities_for(program.pk, ids)
    now = timezone.now()
    changed = [e for e in enrollments
               if _apply(e, evaluate_sums(rules, sums.get(e.pk, {}), micro.get(e.pk, (0, 0))), now)]
    if changed:
        bulk_update(Enrollment, changed, RESULT_FIELDS)
    return len(changed)


_LOAD_FIELDS = ("id", "program_id", "teacher_id", "state") + RESULT_FIELDS[1:]


def refresh_enrollments(pairs: set[tuple[int, int]], *, chunk: int = 5000) -> int:
    """Re-evaluate the enrollments of these (program id, teacher id) pairs after a bulk credit:
    per program and chunk one query for the enrollments, one grouped sum over the ledger and one
    bulk UPDATE of those that changed (completion_refresh goes one enrollment at a time)."""
    by_program: dict[int, set[int]] = defaultdict(set)
    for program_id, teacher_id in pairs:
        by_program[program_id].add(teacher_id)
    changed = 0
    for program_id, teacher_ids in by_program.items():
        program = Program.objects.get(pk=program_id)
        rules = program.ruleset
        ids = sorted(teacher_ids)
        for first in range(0, len(ids), chunk):
            part = ids[first:first + chunk]
            batch = list(Enrollment.objects.filter(program_id=program_id, teacher_id__in=part).only(*_LOAD_FIELDS))
            sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
            for teacher_id, category, total in (LedgerEntry.objects.filter(program_id=program_id, teacher_id__in=part)
                                                .values_list("teacher_id", "category").annotate(t=Sum("hours"))
                                                .order_by()):
                sums[teacher_id][category] = Decimal(total).quantize(CENT) if total is not None else ZERO
            micro = passed_micro_abilities_for(program_id, [e.pk for e in batch])
            now = timezone.now()
            moved = [e for e in batch
                     if _apply(e, evaluate_sums(rules, sums.get(e.teacher_id, {}), micro.get(e.pk, (0, 0))), now)]
            if moved:
                bulk_update(Enrollment, moved, RESULT_FIELDS)
            changed += len(moved)
    return changed


def completion_refresh(enrollments: Iterable[Enrollment | int]) -> int:
    """Re-evaluate these enrollments (objects or ids) from the ledger and write the
    results back; returns how many changed. Objects passed in are updated in place."""
    given = list(enrollments)
    objs = [e for e in given if isinstance(e, Enrollment)]
    ids = [e for e in given if not isinstance(e, Enrollment)]
    if ids:
        objs += list(Enrollment.objects.filter(pk__in=ids).only(*_LOAD_FIELDS))
    by_program: dict[int, list[Enrollment]] = defaultdict(list)
    for e in objs:
        by_program[e.program_id].append(e)
    changed = 0
    programs = Program.objects.in_bulk(list(by_program))
    with transaction.atomic():
        for program_id, group in by_program.items():
            program = programs[program_id]
            rules = program.ruleset
            for e in group:
                if _apply(e, evaluate_sums(rules, ledger_sums(program_id, e.teacher_id),
                                           passed_micro_abilities(e)), timezone.now()):
                    e.save(update_fields=list(RESULT_FIELDS))
                    changed += 1
    return changed


def completion_refresh_program(program: Program, *, chunk: int = 5000) -> int:
    """Re-evaluate every enrollment of `program` (a province: 450,000) in chunks of
    `chunk` enrollments by id: per chunk one query for the enrollments, one GROUP BY over
    the ledger and one bulk UPDATE of those that changed. Returns how many changed."""
    rules = program.ruleset
    changed = 0
    last = 0
    while True:
        with transaction.atomic():
            batch = list(Enrollment.objects.filter(program=program, pk__gt=last)
                         .order_by("pk").only(*_LOAD_FIELDS)[:chunk])
            if not batch:
                return changed
            changed += _refresh_chunk(program, rules, batch)
        last = batch[-1].pk
