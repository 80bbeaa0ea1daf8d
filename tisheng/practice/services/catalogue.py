"""The micro-ability catalogue as editable data: version 1 of every point is loaded from
data/evidence_tasks.json; a province edit writes a new PointVersion with copies of its tasks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.diagnostics.models import MicroAbility
from tisheng.diagnostics.services import catalogue_load as diagnostics_catalogue_load
from tisheng.orgs.scope import has_capability
from tisheng.practice.models import EvidenceKind, EvidenceTask, PointVersion

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "evidence_tasks.json"

POINT_NAME_REQUIRED = gettext_noop("The point needs a name.")
TASKS_REQUIRED = gettext_noop("A point needs at least one evidence task.")
TASK_TITLE_REQUIRED = gettext_noop("Every evidence task needs a title.")
TASK_KINDS_REQUIRED = gettext_noop("Every evidence task must allow at least one kind of file.")
TASK_KIND_UNKNOWN = gettext_noop("Unknown kind of evidence file.")

TASK_FIELDS = ("title", "guide", "kinds", "rubric_excellent", "rubric_pass")


@cache
def shipped_tasks() -> dict[str, list[dict[str, Any]]]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))["tasks"]


@transaction.atomic
def catalogue_load() -> int:
    """Version 1 of every point that has no version yet (the 30 points are loaded first when
    missing). Points the province has edited are left alone. Returns how many were created."""
    diagnostics_catalogue_load()
    have = set(PointVersion.objects.values_list("point_id", flat=True).distinct())
    created = 0
    for point in MicroAbility.objects.exclude(pk__in=have):
        version = PointVersion.objects.create(point=point, number=1, name=point.name, dimension=point.dimension,
                                              environment=point.environment, confirmed=point.confirmed,
                                              note="初始目录")
        EvidenceTask.objects.bulk_create(
            EvidenceTask(point_version=version, order=i, **{k: t[k] for k in TASK_FIELDS})
            for i, t in enumerate(shipped_tasks().get(point.code, []), start=1))
        created += 1
    return created


def current_versions() -> dict[int, PointVersion]:
    """point id → its current (highest-numbered) version (one query)."""
    latest: dict[int, PointVersion] = {}
    for v in PointVersion.objects.select_related("point").order_by("point_id", "number"):
        latest[v.point_id] = v
    return latest


def current_version(point: MicroAbility) -> PointVersion | None:
    return PointVersion.objects.filter(point=point).order_by("-number").first()


def _clean_tasks(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for t in tasks:
        title = (t.get("title") or "").strip()
        if not title:
            raise ValidationError(TASK_TITLE_REQUIRED)
        kinds = list(dict.fromkeys(t.get("kinds") or []))
        if not kinds:
            raise ValidationError(TASK_KINDS_REQUIRED)
        if any(k not in EvidenceKind.values for k in kinds):
            raise ValidationError(TASK_KIND_UNKNOWN)
        cleaned.append({"title": title[:64], "guide": (t.get("guide") or "").strip(), "kinds": kinds,
                        "rubric_excellent": (t.get("rubric_excellent") or "").strip(),
                        "rubric_pass": (t.get("rubric_pass") or "").strip()})
    if not cleaned:
        raise ValidationError(TASKS_REQUIRED)
    return cleaned


@transaction.atomic
def point_edit(*, actor, point: MicroAbility, name: str, confirmed: bool, tasks: list[dict[str, Any]],
               note: str = "") -> PointVersion:
    """The province's edit of a point: a new version with these tasks (old versions, and the
    submissions made against them, stay as they were). The point's name and confirmed flag
    follow, so the diagnostic test recommends it by its corrected name."""
    if not has_capability(actor, Cap.PRACTICE_CATALOGUE):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError(POINT_NAME_REQUIRED)
    cleaned = _clean_tasks(tasks)
    point = MicroAbility.objects.select_for_update().get(pk=point.pk)
    previous = PointVersion.objects.filter(point=point).order_by("-number").first()
    number = (PointVersion.objects.filter(point=point).aggregate(n=Max("number"))["n"] or 0) + 1
    version = PointVersion(point=point, number=number, name=name[:64],
                           dimension=previous.dimension if previous else point.dimension,
                           environment=previous.environment if previous else point.environment,
                           confirmed=bool(confirmed), created_by=actor, note=(note or "").strip()[:255])
    version.full_clean()
    version.save()
    EvidenceTask.objects.bulk_create(EvidenceTask(point_version=version, order=i, **t)
                                     for i, t in enumerate(cleaned, start=1))
    point.name, point.confirmed = version.name, version.confirmed
    point.save(update_fields=["name", "confirmed"])
    audit(actor=actor, action="practice.point_edit", obj=version, object_type="point_version", scope_path="",
          point=point.code, number=number)
    return version
