"""A rubric as data: a list of criteria, each with a key, a label, a weight and a maximum score.

    {"criteria": [{"key": "resources", "label": "课程资源", "weight": 30, "max": 100}, ...]}

`rubric_clean` validates and normalises one (raises ValidationError with a sentence a province
officer can act on); `weighted_total` turns per-criterion means into one 0–100 figure: each
criterion's mean as a share of its maximum, weighted, divided by the sum of the weights."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_CRITERIA = 20
MAX_SCORE = 1000
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

RUBRIC_EMPTY = _("A rubric needs at least one criterion.")
RUBRIC_TOO_MANY = _("A rubric has at most 20 criteria.")
RUBRIC_BAD_KEY = _("Criterion %(n)s: the key must be lower-case letters, digits or _ (at most 32), starting with a letter.")
RUBRIC_DUPLICATE_KEY = _("Criterion %(n)s: the key %(key)s is used twice.")
RUBRIC_NO_LABEL = _("Criterion %(n)s needs a name.")
RUBRIC_BAD_WEIGHT = _("Criterion %(n)s: the weight must be a number above 0 and at most 100.")
RUBRIC_BAD_MAX = _("Criterion %(n)s: the maximum score must be a whole number from 1 to 1000.")


def rubric_clean(data: Any) -> dict:
    """The rubric, validated and in its one stored shape."""
    criteria = data.get("criteria") if isinstance(data, dict) else data
    if not isinstance(criteria, list) or not criteria:
        raise ValidationError(RUBRIC_EMPTY, code="rubric_empty")
    if len(criteria) > MAX_CRITERIA:
        raise ValidationError(RUBRIC_TOO_MANY, code="rubric_too_many")
    seen: set[str] = set()
    out = []
    for n, c in enumerate(criteria, start=1):
        if not isinstance(c, dict):
            raise ValidationError(RUBRIC_NO_LABEL, code="rubric_no_label", params={"n": n})
        key = str(c.get("key", "")).strip()
        if not _KEY.match(key):
            raise ValidationError(RUBRIC_BAD_KEY, code="rubric_bad_key", params={"n": n})
        if key in seen:
            raise ValidationError(RUBRIC_DUPLICATE_KEY, code="rubric_duplicate_key", params={"n": n, "key": key})
        seen.add(key)
        label = str(c.get("label", "")).strip()[:64]
        if not label:
            raise ValidationError(RUBRIC_NO_LABEL, code="rubric_no_label", params={"n": n})
        try:
            weight = Decimal(str(c.get("weight")))
        except (InvalidOperation, ValueError):
            weight = Decimal(-1)
        if not weight.is_finite() or not Decimal(0) < weight <= 100:
            raise ValidationError(RUBRIC_BAD_WEIGHT, code="rubric_bad_weight", params={"n": n})
        maximum = c.get("max")
        if isinstance(maximum, bool) or not isinstance(maximum, int | str) or not str(maximum).isdigit() \
                or not 1 <= int(maximum) <= MAX_SCORE:
            raise ValidationError(RUBRIC_BAD_MAX, code="rubric_bad_max", params={"n": n})
        out.append({"key": key, "label": label, "weight": float(weight), "max": int(maximum)})
    return {"criteria": out}


def rubric_from_lines(text: str) -> dict:
    """A rubric typed as one criterion a line, `name, weight, maximum` (the form's textarea);
    keys are c1, c2, … in order."""
    criteria = []
    for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in re.split(r"[,，\t]", line)]
        while len(parts) < 3:
            parts.append("")
        criteria.append({"key": f"c{n}", "label": parts[0], "weight": parts[1] or None, "max": parts[2]})
    return rubric_clean({"criteria": criteria})


def rubric_as_lines(rubric: dict) -> str:
    return "\n".join(f"{c['label']}, {c['weight']:g}, {c['max']}" for c in rubric.get("criteria", []))


def weighted_total(rubric: dict, means: dict[str, float | None]) -> float | None:
    """0–100: Σ weight × mean/max over Σ weight; None while any criterion has no mean."""
    total = weights = 0.0
    for c in rubric["criteria"]:
        mean = means.get(c["key"])
        if mean is None:
            return None
        total += c["weight"] * mean / c["max"]
        weights += c["weight"]
    return round(100 * total / weights, 2) if weights else None
