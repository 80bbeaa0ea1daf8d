"""Writes for the org tree: loading the official divisions, creating organizations."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from tisheng.orgs.models import Organization, Region, RegionLevel

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "fujian_divisions.csv"

UNKNOWN_PARENT = "The division {code} names a parent {parent} that comes nowhere before it in the file."
BAD_LEVEL = "The division {code} has an unknown level {level!r}."
REGION_WOULD_MOVE = (
    "The division {code} would move from {old} to {new}, but schools or organizations hang below it; "
    "move them first."
)


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent_code: str
    population: int


def divisions_read(path: Path | str | None = None) -> list[DivisionRow]:
    """The rows of a divisions file (UTF-8 CSV; lines starting with # are comments), in file
    order: every parent comes before its children."""
    text = Path(path or DIVISIONS_FILE).read_text(encoding="utf-8-sig")
    body = "\n".join(line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    rows = []
    for raw in csv.DictReader(io.StringIO(body)):
        level = raw["level"].strip()
        if level not in RegionLevel.values:
            raise ValidationError(BAD_LEVEL.format(code=raw["code"], level=level))
        rows.append(DivisionRow(
            code=raw["code"].strip(),
            name=raw["name"].strip(),
            level=level,
            parent_code=(raw.get("parent_code") or "").strip(),
            population=int(raw.get("population") or 0),
        ))
    return rows


@transaction.atomic
def regions_load(*, path: Path | str | None = None) -> int:
    """Upsert the regions of a divisions file, with their materialized paths
    (province "35", city "35/3501", county "35/3501/350102"). Idempotent: a second run
    changes nothing. Returns the number of regions in the file."""
    rows = divisions_read(path)
    existing = {r.code: r for r in Region.objects.all()}
    to_update: list[Region] = []
    loaded: dict[str, Region] = {}
    for order, row in enumerate(rows, start=1):
        parent = None
        if row.parent_code:
            parent = loaded.get(row.parent_code)
            if parent is None:
                raise ValidationError(UNKNOWN_PARENT.format(code=row.code, parent=row.parent_code))
        region_path = row.code if parent is None else f"{parent.path}/{row.code}"
        values = dict(name=row.name, level=row.level, parent=parent, path=region_path,
                      population=row.population, sort_order=order)
        region = existing.get(row.code)
        if region is None:
            # Saved one by one (about a hundred rows): children need their parent's pk.
            region = Region(code=row.code, **values)
            region.save()
        else:
            if region.path != region_path and _has_dependents(region):
                raise ValidationError(REGION_WOULD_MOVE.format(code=row.code, old=region.path, new=region_path))
            changed = False
            for field, value in values.items():
                current = getattr(region, "parent_id" if field == "parent" else field)
                wanted = value.pk if field == "parent" and value is not None else value
                if current != wanted:
                    setattr(region, field, value)
                    changed = True
            if changed:
                to_update.append(region)
        loaded[row.code] = region
    if to_update:
        # Paths are unique: move any region out of the way first, so two regions can swap.
        for region in to_update:
            Region.objects.filter(pk=region.pk).update(path=f"~moving/{region.pk}")
        Region.objects.bulk_update(to_update, ["name", "level", "parent", "path", "population", "sort_order"])
    return len(rows)


def _has_dependents(region: Region) -> bool:
    from tisheng.orgs.models import School

    return (
        School.objects.filter(path__startswith=region.path + "/").exists()
        or Organization.objects.filter(path__startswith=region.path + "/").exists()
    )


@transaction.atomic
def organization_ensure(*, code: str, name: str, kind: str, region: Region) -> Organization:
    """The organization with `code`, created (or renamed/re-attached) to match."""
    org = Organization.objects.filter(code=code).first()
    if org is None:
        org = Organization(code=code, name=name, kind=kind, region=region)
    else:
        org.name, org.kind, org.region = name, kind, region
    org.full_clean(exclude=["path"])
    org.save()
    return org
