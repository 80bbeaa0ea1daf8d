"""Writes of the diagnostic test: loading the shipped catalogue, the default instruments,
the province's edits to an instrument, and a teacher's attempt (scored on the server)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.services import audit
from tisheng.diagnostics import topics
from tisheng.diagnostics.models import Attempt, Instrument, Item, MicroAbility, ScoreBand, Topic
from tisheng.diagnostics.scoring import score_answers
from tisheng.people.models import Teacher
from tisheng.programs.models import Program

UNANSWERED = gettext_noop("Please answer every question before submitting.")
BAD_CHOICE = gettext_noop("An answer is not one of the question's choices.")
RETAKE_NOT_ALLOWED = gettext_noop("This diagnostic test can be taken only once; your result is stored.")
BAND_ORDER = gettext_noop("The 合格 threshold must not be above the 优秀 threshold, and neither above 100.")
BAD_ITEM_CELL = gettext_noop("An item's level or dimension does not belong to this kind of instrument.")
BAD_POINT_CODE = gettext_noop("No capability point has the code %(codes)s.")
NO_CHOICES = gettext_noop("Each item needs at least two choices, written as 'label=score', one per line.")


def known_points() -> set[str]:
    return set(MicroAbility.objects.values_list("code", flat=True))


def catalogue_load() -> tuple[int, int]:
    """Create the shipped topics and micro-abilities that are missing; rows the province has
    edited are left as they are. Returns how many of each were created."""
    created_topics = 0
    for row in topics.topic_rows():
        _, created = Topic.objects.get_or_create(
            code=row["code"],
            defaults={k: row[k] for k in ("name", "series", "level", "dimension", "confirmed")},
        )
        created_topics += created
    created_micro = 0
    for row in topics.micro_ability_rows():
        _, created = MicroAbility.objects.get_or_create(
            code=row["code"],
            defaults={k: row[k] for k in ("name", "dimension", "environment", "confirmed")},
        )
        created_micro += created
    return created_topics, created_micro


def instrument_kind_for(program: Program) -> str:
    """2.0-style programs (with micro-ability rules) get the micro-ability instrument."""
    if program.ruleset.micro_abilities is not None:
        return Instrument.Kind.MICRO_2019
    return Instrument.Kind.STANDARD_2014


@transaction.atomic
def instrument_create_default(*, program: Program, actor=None) -> Instrument:
    """The seeded instrument for `program` (20 items for 1.0, 12 for 2.0), unless it has one."""
    existing = Instrument.objects.filter(program=program).first()
    if existing is not None:
        return existing
    kind = instrument_kind_for(program)
    spec = topics.default_instruments()[kind]
    instrument = Instrument(program=program, kind=kind, title=spec["title"])
    instrument.full_clean()
    instrument.save()
    Item.objects.bulk_create(
        Item(instrument=instrument, order=i, text=it["text"], choices=it["choices"], dimension=it["dimension"],
             level=it["level"], micro_abilities=it.get("micro_abilities", []))
        for i, it in enumerate(spec["items"], start=1)
    )
    ScoreBand.objects.bulk_create(ScoreBand(instrument=instrument, **band) for band in spec["bands"])
    audit(actor=actor, action="diagnostics.instrument_create", obj=instrument, object_type="instrument",
          scope_path="", program=program.code, kind=kind)
    return instrument


def _cells_for(kind: str) -> set[tuple[str, str]]:
    if kind == Instrument.Kind.MICRO_2019:
        return {("", d) for d in topics.MICRO_DIMENSIONS}
    return {(lv, d) for lv in topics.LEVELS for d in topics.DIMENSIONS}


@transaction.atomic
def instrument_update(
    *,
    actor,
    instrument: Instrument,
    title: str,
    allow_retake: bool,
    items: list[dict[str, Any]],
    bands: list[dict[str, Any]],
) -> Instrument:
    """Apply the province office's edits. `items`: {"id": int | None, "text", "level",
    "dimension", "choices": [{"label", "score"}], "delete": bool}; `bands`: {"id": int | None,
    "level", "dimension", "pass_min", "excellent_min", "delete": bool}. Stored attempts keep
    the scores they were given."""
    cells = _cells_for(instrument.kind)
    instrument.title = title
    instrument.allow_retake = allow_retake
    instrument.updated_at = timezone.now()
    instrument.full_clean()
    instrument.save()
    existing_items = {i.pk: i for i in instrument.items.all()}
    known = known_points() if any("micro_abilities" in row for row in items) else set()
    order = 0
    for row in items:
        item = existing_items.get(row.get("id")) if row.get("id") else None
        if row.get("delete"):
            if item is not None:
                item.delete()
            continue
        if (row["level"], row["dimension"]) not in cells:
            raise ValidationError(BAD_ITEM_CELL)
        if len(row["choices"]) < 2:
            raise ValidationError(NO_CHOICES)
        order += 1
        item = item or Item(instrument=instrument)
        item.order, item.text, item.level, item.dimension = order, row["text"], row["level"], row["dimension"]
        item.choices = row["choices"]
        if "micro_abilities" in row:
            unknown = [c for c in row["micro_abilities"] if c not in known]
            if unknown:
                raise ValidationError(_(BAD_POINT_CODE) % {"codes": "、".join(unknown)})
            item.micro_abilities = row["micro_abilities"]
        item.full_clean()
        item.save()
    existing_bands = {b.pk: b for b in instrument.bands.all()}
    for row in bands:
        band = existing_bands.get(row.get("id")) if row.get("id") else None
        if row.get("delete"):
            if band is not None:
                band.delete()
            continue
        if not (0 <= row["pass_min"] <= row["excellent_min"] <= 100):
            raise ValidationError(BAND_ORDER)
        band = band or ScoreBand(instrument=instrument)
        band.level, band.dimension = row["level"], row["dimension"]
        band.pass_min, band.excellent_min = row["pass_min"], row["excellent_min"]
        band.full_clean(validate_constraints=False)
        band.save()
    audit(actor=actor, action="diagnostics.instrument_update", obj=instrument, object_type="instrument",
          scope_path="", items=order, bands=instrument.bands.count())
    return instrument


@transaction.atomic
def attempt_submit(*, actor, teacher: Teacher, instrument: Instrument, answers: dict[int, int]) -> Attempt:
    """Score `answers` ({item id: index of the chosen choice}) on the server and store them as
    the teacher's attempt; a retake (where allowed) replaces the stored one."""
    items = list(instrument.items.all())
    for item in items:
        if item.pk not in answers:
            raise ValidationError(UNANSWERED)
        if not 0 <= answers[item.pk] < len(item.choices):
            raise ValidationError(BAD_CHOICE)
    attempt = Attempt.objects.select_for_update().filter(instrument=instrument, teacher=teacher).first()
    if attempt is not None and not instrument.allow_retake:
        raise ValidationError(RETAKE_NOT_ALLOWED)
    scores = score_answers(items, answers)
    stored_answers = {str(item.pk): answers[item.pk] for item in items}
    if attempt is None:
        attempt = Attempt(instrument=instrument, teacher=teacher, taken_count=1)
    else:
        attempt.taken_count += 1
    attempt.org_path = teacher.org_path
    attempt.answers = stored_answers
    attempt.scores = scores
    attempt.submitted_at = timezone.now()
    attempt.full_clean(validate_constraints=False)
    attempt.save()
    audit(actor=actor, action="diagnostics.attempt_submit", obj=attempt, object_type="attempt",
          program=instrument.program.code, taken=attempt.taken_count)
    return attempt


DEMO_SAMPLE_TEACHERS = 5


def diagnostics_seed_demo(*, school_code: str, seed: int = 1) -> int:
    """The demo: the shipped catalogue, the default test for every program, and stored
    results for a few teachers of the demo school (not its first teacher, the demo login,
    who is left to take the test). Deterministic for a given seed. Returns the results stored."""
    import random

    from tisheng.programs.models import Enrollment

    catalogue_load()
    stored = 0
    for program in Program.objects.order_by("pk"):
        instrument = instrument_create_default(program=program)
        items = list(instrument.items.all())
        enrollments = (Enrollment.objects.filter(program=program, school__code=school_code)
                       .select_related("teacher", "teacher__user").order_by("teacher_id")[1:1 + DEMO_SAMPLE_TEACHERS])
        for enrollment in enrollments:
            teacher = enrollment.teacher
            rng = random.Random(f"{seed}:{program.code}:{teacher.pk}")
            strength = rng.random()  # some teachers are stronger than others
            answers = {it.pk: min(len(it.choices) - 1, int(rng.random() * 2 + strength * 2.5)) for it in items}
            attempt_submit(actor=None, teacher=teacher, instrument=instrument, answers=answers)
            stored += 1
    return stored


@transaction.atomic
def topics_update(*, actor, rows: list[dict[str, Any]]) -> int:
    """The province office corrects the shipped topics: {"code", "name", "level", "dimension",
    "confirmed"} per row (codes stay as shipped). Returns how many rows changed."""
    current = {t.code: t for t in Topic.objects.all()}
    changed = 0
    for row in rows:
        topic = current.get(row["code"])
        if topic is None:
            continue
        new = (row["name"].strip(), row["level"], row["dimension"], bool(row["confirmed"]))
        if new == (topic.name, topic.level, topic.dimension, topic.confirmed):
            continue
        topic.name, topic.level, topic.dimension, topic.confirmed = new
        topic.full_clean()
        topic.save()
        changed += 1
    if changed:
        audit(actor=actor, action="diagnostics.topics_update", object_type="topic", changed=changed)
    return changed
