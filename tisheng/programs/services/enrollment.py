"""Rollout batches and enrollment.

`batch_enroll` enrolls every active teacher of a batch's counties in one pass: the teachers
not yet enrolled are read as plain tuples, the enrollments (and the retirement exemptions)
are written with the roster import's bulk paths (COPY / executemany), so 100,000 teachers
take seconds. `enrollment_sync_for_schools` applies the same rule to hires and transfers:
the roster import and the transfer service call it for the schools they touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import has_capability, path_q
from tisheng.people.choices import TeacherStatus
from tisheng.people.models import Teacher
from tisheng.people.services.bulk import allocate_ids, insert_rows
from tisheng.programs.completion import evaluate_sums
from tisheng.programs.models import Enrollment, EnrollmentState, Exemption, Program, RolloutBatch
from tisheng.programs.retirement import within_years_of_retirement

if TYPE_CHECKING:
    from tisheng.accounts.models import User

NOT_A_COUNTY = gettext_noop("Only counties join a rollout batch: %(names)s")
NO_COUNTIES = gettext_noop("Choose at least one county")
YEAR_OUT_OF_RANGE = gettext_noop("The year must be between %(start)s and %(end)s")
ALREADY_IN_BATCH = gettext_noop("Already in another batch of this program: %(names)s")
RETIREMENT_REASON = gettext_noop("Fewer than %(years)s years to statutory retirement (retires in %(month)s/%(year)s)")

BATCH_CREATED = "batch_created"
BATCH_ENROLLED = "batch_enrolled"
CHUNK = 5000


def _require_manage(actor: User | None) -> None:
    if actor is not None and not has_capability(actor, Cap.PROGRAMS_MANAGE):
        raise PermissionDenied


@transaction.atomic
def batch_create(*, actor: User | None, program: Program, year: int, name: str,
                 counties: Sequence[Region]) -> RolloutBatch:
    """A rollout batch: which counties join `program` in `year` (分批推进)."""
    _require_manage(actor)
    if not counties:
        raise ValidationError({"counties": [_(NO_COUNTIES)]})
    wrong = [c.name for c in counties if c.level != RegionLevel.COUNTY]
    if wrong:
        raise ValidationError({"counties": [_(NOT_A_COUNTY) % {"names": "、".join(wrong)}]})
    if not program.start_date.year <= year <= program.end_date.year:
        raise ValidationError({"year": [_(YEAR_OUT_OF_RANGE) % {"start": program.start_date.year,
                                                               "end": program.end_date.year}]})
    taken = Region.objects.filter(rollout_batches__program=program, pk__in=[c.pk for c in counties])
    if taken.exists():
        raise ValidationError({"counties": [_(ALREADY_IN_BATCH) % {"names": "、".join(c.name for c in taken)}]})
    batch = RolloutBatch(program=program, year=year, name=name.strip() or str(year))
    batch.full_clean()
    batch.save()
    batch.counties.set(counties)
    audit(actor=actor, action=BATCH_CREATED, obj=program, scope_path="35", batch=batch.pk, year=year,
          counties=[c.code for c in counties])
    return batch


def retirement_reason(retires: dt.date, years: int) -> str:
    """"距法定退休不足5年（2019年3月退休）" in Chinese (the exemption's recorded reason)."""
    return _(RETIREMENT_REASON) % {"years": years, "year": retires.year, "month": retires.month}


def _enroll(program: Program, batch_id: int | None, teachers: list[tuple]) -> tuple[int, int]:
    """Insert enrollments for (teacher id, school id, org_path, birth date, sex) rows, with
    a retirement exemption where the rule set grants one. Returns (enrolled, exempt)."""
    if not teachers:
        return 0, 0
    rules = program.ruleset
    years = rules.exempt_years_before_retirement
    # A new enrollment has no hours yet: its completion evaluation is the same for all.
    explanation = evaluate_sums(rules, {}).explanation
    now = timezone.now()
    ids = allocate_ids(Enrollment, len(teachers))
    enrollments, exemptions = [], []
    # Many teachers share a birth date: work each (date, sex) out once.
    judged: dict[tuple, dt.date | None] = {}
    reasons: dict[dt.date, str] = {}
    for pk, (teacher_id, school_id, org_path, birth_date, sex) in zip(ids, teachers, strict=True):
        retires = None
        if years:
            key = (birth_date, sex)
            if key not in judged:
                judged[key] = within_years_of_retirement(birth_date, sex, program.reference_date, years)
            retires = judged[key]
        state = EnrollmentState.EXEMPT if retires else EnrollmentState.ENROLLED
        enrollments.append((pk, program.pk, teacher_id, batch_id, school_id, org_path, state,
                            "" if retires else explanation, now, now, now))
        if retires:
            if retires not in reasons:
                reasons[retires] = retirement_reason(retires, years)
            exemptions.append((pk, Exemption.Kind.RETIREMENT, reasons[retires], Exemption.State.APPROVED, now, now))
    insert_rows(Enrollment, ["id", "program_id", "teacher_id", "batch_id", "school_id", "org_path", "state",
                             "explanation", "evaluated_at", "enrolled_at", "updated_at"], enrollments)
    insert_rows(Exemption, ["enrollment_id", "kind", "reason", "state", "created_at", "decided_at"], exemptions)
    return len(enrollments), len(exemptions)


def _not_enrolled(program: Program):
    return Teacher.objects.filter(status=TeacherStatus.ACTIVE).exclude(
        Exists(Enrollment.objects.filter(program=program, teacher_id=OuterRef("pk")))
    ).order_by("pk").values_list("pk", "school_id", "org_path", "birth_date", "sex")


@transaction.atomic
def batch_enroll(*, actor: User | None, batch: RolloutBatch) -> int:
    """Enroll every active teacher of the batch's counties who is not yet in the program
    (safe to run again: it adds only the missing ones). Returns how many were enrolled."""
    _require_manage(actor)
    batch = RolloutBatch.objects.select_for_update().select_related("program").get(pk=batch.pk)
    program = batch.program
    paths = list(batch.counties.values_list("path", flat=True))
    rows = list(_not_enrolled(program).filter(path_q("org_path", paths)))
    enrolled = exempt = 0
    for start in range(0, len(rows), CHUNK):
        n, e = _enroll(program, batch.pk, rows[start:start + CHUNK])
        enrolled += n
        exempt += e
    batch.enrolled_at = timezone.now()
    batch.save(update_fields=["enrolled_at"])
    audit(actor=actor, action=BATCH_ENROLLED, obj=program, scope_path="35", batch=batch.pk, enrolled=enrolled,
          exempt=exempt)
    return enrolled


def enrollment_add_teachers(program: Program, teacher_ids: Iterable[int]) -> int:
    """Enroll these teachers in `program` (a track's selected participants, outside any rollout
    batch), with the same retirement exemption as a batch; those already enrolled or no longer
    active are skipped. The caller checks who may do it. Returns how many were enrolled."""
    ids = sorted(set(teacher_ids))
    created = 0
    for start in range(0, len(ids), CHUNK):
        created += _enroll(program, None, list(_not_enrolled(program).filter(pk__in=ids[start:start + CHUNK])))[0]
    return created


def enrollment_sync_for_schools(school_ids: Iterable[int]) -> int:
    """Apply the enrollment rule to the teachers of these schools after hires and transfers:
    a transferred teacher's enrollments follow them (school and org_path), and an active
    teacher of a county that an active program has already enrolled is enrolled too.
    Returns the number of new enrollments. A few queries per program and chunk of schools."""
    ids = sorted(set(school_ids))
    if not ids:
        return 0
    created = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            teacher = Teacher.objects.filter(pk=OuterRef("teacher_id"))
            Enrollment.objects.filter(teacher__school_id__in=chunk).exclude(
                school_id=Subquery(teacher.values("school_id"))
            ).update(school_id=Subquery(teacher.values("school_id")),
                     org_path=Subquery(teacher.values("org_path")), updated_at=timezone.now())
        batches = (RolloutBatch.objects.filter(program__status=Program.Status.ACTIVE, enrolled_at__isnull=False)
                   .select_related("program").prefetch_related("counties").order_by("program_id", "year", "pk"))
        by_program: dict[int, tuple[Program, dict[str, int]]] = {}
        for batch in batches:
            program, county_batch = by_program.setdefault(batch.program_id, (batch.program, {}))
            for county in batch.counties.all():
                county_batch.setdefault(county.path, batch.pk)
        for program, county_batch in by_program.values():
            for start in range(0, len(ids), CHUNK):
                rows = list(_not_enrolled(program).filter(school_id__in=ids[start:start + CHUNK])
                            .filter(path_q("org_path", list(county_batch))))
                groups: dict[int, list[tuple]] = {}
                for row in rows:
                    county_path = row[2].rsplit("/", 1)[0]
                    groups.setdefault(county_batch[county_path], []).append(row)
                for batch_id, group in groups.items():
                    created += _enroll(program, batch_id, group)[0]
    return created


JUDGED_STATES = (EnrollmentState.ENROLLED, EnrollmentState.IN_PROGRESS, EnrollmentState.COMPLETE,
                 EnrollmentState.RETURNED)


@transaction.atomic
def retirement_exemptions_sync(program: Program) -> tuple[int, int]:
    """Judge the program's enrollments again after its exemption rule or reference date
    changed: newly covered teachers become exempt (with the reason), those no longer covered
    go back to enrolled (their retirement exemption is marked rejected, with the reason, so
    the history stays). Manual exemptions are left alone. Returns (exempted, restored)."""
    program = Program.objects.get(pk=program.pk)
    years = program.ruleset.exempt_years_before_retirement
    now = timezone.now()
    retirement = Exemption.objects.filter(kind=Exemption.Kind.RETIREMENT, state=Exemption.State.APPROVED)
    manual = Exemption.objects.filter(kind=Exemption.Kind.MANUAL, state=Exemption.State.APPROVED)
    exempted: list[tuple] = []
    restore_exemptions: list[int] = []
    restore_enrollments: list[int] = []
    judged: dict[tuple, dt.date | None] = {}
    rows = (Enrollment.objects.filter(program=program)
            .filter(state__in=[*JUDGED_STATES, EnrollmentState.EXEMPT])
            .annotate(retirement_exemption=Subquery(retirement.filter(enrollment=OuterRef("pk")).values("pk")[:1]),
                      manual=Exists(manual.filter(enrollment=OuterRef("pk"))))
            .values_list("pk", "state", "teacher__birth_date", "teacher__sex", "retirement_exemption", "manual"))
    for pk, state, birth_date, sex, exemption_id, has_manual in rows.iterator(chunk_size=5000):
        key = (birth_date, sex)
        if years and key not in judged:
            judged[key] = within_years_of_retirement(birth_date, sex, program.reference_date, years)
        retires = judged.get(key) if years else None
        if retires and state in JUDGED_STATES and exemption_id is None:
            exempted.append((pk, retires))
        elif not retires and exemption_id is not None:
            restore_exemptions.append(exemption_id)
            if state == EnrollmentState.EXEMPT and not has_manual:
                restore_enrollments.append(pk)
    for start in range(0, len(exempted), CHUNK):
        chunk = exempted[start:start + CHUNK]
        Enrollment.objects.filter(pk__in=[pk for pk, _r in chunk]).update(state=EnrollmentState.EXEMPT,
                                                                           updated_at=now)
        insert_rows(Exemption, ["enrollment_id", "kind", "reason", "state", "created_at", "decided_at"], [
            (pk, Exemption.Kind.RETIREMENT, retirement_reason(r, years), Exemption.State.APPROVED, now, now)
            for pk, r in chunk])
    for start in range(0, len(restore_exemptions), CHUNK):
        Exemption.objects.filter(pk__in=restore_exemptions[start:start + CHUNK]).update(
            state=Exemption.State.REJECTED, decided_at=now)
    for start in range(0, len(restore_enrollments), CHUNK):
        Enrollment.objects.filter(pk__in=restore_enrollments[start:start + CHUNK]).update(
            state=EnrollmentState.ENROLLED, updated_at=now)
    return len(exempted), len(restore_enrollments)
