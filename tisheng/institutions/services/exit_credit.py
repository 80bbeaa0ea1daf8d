"""What an exit means for crediting (issue 14, item 3).

No new hours: from the effective date, in the regions the decision covers, a course of the
institution credits nothing through any channel (learning.COURSE_CREDIT_STOPS, which the player's
completion check and the LRS's completion statements ask). Hours credited before stay.

Progress carried over (结转): when the province terminates an institution, each affected teacher's
unfinished courses of it count for what the program's rule set says (programs.rules
ExitCarryOverRule): the lessons completed in the platform's player become online hours at the
rule set's minutes per hour, rounded down to its step, never more than the course's hours, at
most its cap a teacher; credited once per teacher and course (the ledger's idempotency key, source
`exit_carry_over` with the course's id), with a reason that says why. A suspension carries nothing
over: it can be lifted and the course finished where it stopped."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.institutions.models import ExitKind, InstitutionExit
from tisheng.learning.crediting import CARRY_OVER
from tisheng.orgs.models import Organization
from tisheng.orgs.scope import path_q
from tisheng.programs.models import Program

CARRY_REASON = _("《%(course)s》: %(minutes)s minutes of completed lessons, carried over when %(institution)s was "
                 "terminated")
STOPPED = _("%(institution)s is %(what)s here from %(date)s (reason: %(reason)s): its courses earn no new hours "
            "from that day. The hours you already earned stay.")


def credit_stops_at(places: set[tuple[str, int]], on: dt.date) -> dict[tuple[str, int], str]:
    """learning.COURSE_CREDIT_STOPS: the (teacher's org_path, institution) pairs an exit in effect
    on `on` covers, each with the sentence the teacher reads. One query (the decisions in effect for
    the institutions asked about: a handful)."""
    institutions = {i for _p, i in places}
    decisions = list(InstitutionExit.objects.filter(
        institution_id__in=institutions, effective_on__lte=on, lifted_at__isnull=True)
        .select_related("institution").order_by("effective_on", "pk"))
    stops: dict[tuple[str, int], str] = {}
    if not decisions:
        return stops
    kinds = dict(ExitKind.choices)
    for org_path, institution_id in places:
        for d in decisions:
            if d.institution_id == institution_id and (not d.region_paths or any(
                    org_path == p or org_path.startswith(p + "/") for p in d.region_paths)):
                stops[(org_path, institution_id)] = gettext(STOPPED) % {
                    "institution": d.institution.name, "what": kinds.get(d.kind, d.kind),
                    "date": d.effective_on.isoformat(), "reason": d.reason}
                break
    return stops


def credit_stop_areas_at(on: dt.date) -> set[tuple[int, str]]:
    """learning.COURSE_CREDIT_STOP_AREAS: where credit_stops_at stops, as (institution id, region
    path) pairs, '' for a province-wide decision, so the offices' counts exclude them in SQL. One
    query (the decisions in effect: a handful)."""
    return {(institution_id, path)
            for institution_id, paths in InstitutionExit.objects.filter(effective_on__lte=on, lifted_at__isnull=True)
            .values_list("institution_id", "region_paths")
            for path in (paths or [""])}


@dataclass
class Carry:
    """One teacher's unfinished course and what it carries over."""

    teacher_id: int
    program_id: int
    course_id: int
    title: str
    minutes: int
    hours: Decimal


@dataclass
class CarryPlan:
    rows: list[Carry] = field(default_factory=list)
    # The programs whose rule sets carry progress over, and how many teachers have courses in
    # progress in the others (nothing carried: the rule is off).
    carrying: set[int] = field(default_factory=set)
    not_carried_teachers: int = 0

    @property
    def hours(self) -> Decimal:
        return sum((r.hours for r in self.rows), Decimal(0))

    @property
    def teachers(self) -> int:
        return len({r.teacher_id for r in self.rows})

    def for_teacher(self, teacher_id: int) -> list[Carry]:
        return [r for r in self.rows if r.teacher_id == teacher_id]


def _floor(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_FLOOR) * step).quantize(Decimal("0.01"))


def carry_plan(institution: Organization, paths: list[str], unfinished) -> CarryPlan:
    """What a termination would carry over for the unfinished selections `unfinished` (a
    CourseSelection queryset: the teachers' courses of the institution not yet credited there).
    Three grouped queries whatever the number of teachers."""
    from tisheng.playback.models import LessonCompletion

    plan = CarryPlan()
    pairs = {(t, c): p for t, c, p in unfinished.values_list("teacher_id", "course_id", "program_id")}
    if not pairs:
        return plan
    programs = {p.pk: p for p in Program.objects.filter(pk__in={p for p in pairs.values()})}
    carrying = plan.carrying = {pk for pk, p in programs.items() if p.ruleset.exit_carry_over.completed_lessons}
    plan.not_carried_teachers = len({t for (t, _c), p in pairs.items() if p not in carrying})
    if not carrying:
        return plan
    done = (LessonCompletion.objects.filter(path_q("teacher__org_path", paths), course__institution=institution,
                                            course__program_id__in=carrying)
            .values("teacher_id", "course_id", "course__title", "course__hours")
            .annotate(seconds=Sum("lesson__duration_seconds")).order_by("teacher_id", "course_id"))
    per_teacher: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in done:
        program_id = pairs.get((row["teacher_id"], row["course_id"]))
        if program_id not in carrying:
            continue  # finished already, or not selected: nothing to carry
        rules = programs[program_id].ruleset
        rule = rules.exit_carry_over
        minutes = int(row["seconds"] or 0) // 60
        hours = min(_floor(Decimal(minutes) / rules.minutes_per_hour, rule.step_hours), Decimal(row["course__hours"]))
        if rule.max_hours:
            hours = min(hours, rule.max_hours - per_teacher[(row["teacher_id"], program_id)])
        if hours <= 0:
            continue
        per_teacher[(row["teacher_id"], program_id)] += hours
        plan.rows.append(Carry(row["teacher_id"], program_id, row["course_id"], row["course__title"], minutes, hours))
    return plan


def carry_over_credit(decision: InstitutionExit, plan: CarryPlan) -> dict[int, list[Carry]]:
    """Credit the plan (a termination's, when it takes effect) to the ledger in bulk: once per
    teacher and course (the key ledger_credit would give it), whoever runs it again. Returns, per
    teacher, what was credited now."""
    from tisheng.ledger.models import LedgerEntry
    from tisheng.ledger.services import default_key, ledger_credit_many

    if decision.kind != ExitKind.TERMINATE or not plan.rows:
        return {}
    programs = Program.objects.in_bulk({r.program_id for r in plan.rows})
    now = timezone.now()
    rows, entries = {}, []
    for r in plan.rows:
        key = default_key(program=programs[r.program_id], teacher=_Pk(r.teacher_id), category="online",
                          source_kind=CARRY_OVER, source_id=str(r.course_id))
        rows[key] = r
        entries.append(LedgerEntry(
            teacher_id=r.teacher_id, program_id=r.program_id, category="online", hours=r.hours,
            source_kind=CARRY_OVER, source_id=str(r.course_id), idempotency_key=key,
            granted_by_system=f"institution_exit:{decision.pk}", at=now,
            reason=(gettext(CARRY_REASON) % {"course": r.title, "minutes": r.minutes,
                                              "institution": decision.institution.name})[:255]))
    credited: dict[int, list[Carry]] = defaultdict(list)
    for entry in ledger_credit_many(entries):
        credited[entry.teacher_id].append(rows[entry.idempotency_key])
    return credited


@dataclass(frozen=True)
class _Pk:
    """What default_key reads of a teacher."""

    pk: int