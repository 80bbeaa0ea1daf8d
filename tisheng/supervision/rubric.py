"""Indicators are data: a round carries its rubric as a list of rows, each with a name, an
optional platform metric that pre-fills it, a target and a weight. An office starts from a
preset (regular or mid-term) and edits the rows; `rubric_clean` is the one validator.

Metrics (each a percentage per unit, None when the platform has nothing to say):

- participation: teachers who started / teachers to train (enrolled and not exempt)
- completion: teachers complete / teachers to train
- approved: teachers whose completion was approved / teachers to train
- practice_pass: 2.0 micro-ability points passed / points assessed
- plans_approved: schools with an approved school plan / schools (a school: 100 or 0)
- spot_check_confirmed: spot-checked points confirmed / spot-checked points decided
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

METRICS = {
    "participation": pgettext_lazy("supervision metric", "Participation rate"),
    "completion": pgettext_lazy("supervision metric", "Completion rate"),
    "approved": pgettext_lazy("supervision metric", "Approval rate"),
    "practice_pass": pgettext_lazy("supervision metric", "Practice pass rate"),
    "plans_approved": pgettext_lazy("supervision metric", "School plans approved"),
    "spot_check_confirmed": pgettext_lazy("supervision metric", "Spot checks confirmed"),
}

MAX_INDICATORS = 20
RUBRIC_EMPTY = gettext_noop("A round needs at least one indicator.")
RUBRIC_TOO_LONG = gettext_noop("A round can have at most %(n)s indicators.")
RUBRIC_BAD_METRIC = gettext_noop("Indicator “%(name)s”: unknown platform figure.")
RUBRIC_BAD_NUMBER = gettext_noop("Indicator “%(name)s”: the target must be a number from 0 to 100 and the "
                                 "weight a whole number from 0 to 100.")
RUBRIC_DUPLICATE = gettext_noop("Indicator “%(name)s” is listed twice.")

_REGULAR = [
    ("参训率", "participation", 95, 15),
    ("学时达标率", "completion", 80, 20),
    ("审核通过率", "approved", 70, 10),
    ("实践测评合格率", "practice_pass", 85, 15),
    ("学校信息化发展规划审核通过率", "plans_approved", 90, 15),
    ("县级抽检确认率", "spot_check_confirmed", 90, 10),
    ("组织管理与经费保障（现场查看）", "", None, 15),
]
_MIDTERM = [
    ("参训率", "participation", 90, 25),
    ("学时达标率（中期）", "completion", 50, 25),
    ("实践测评合格率", "practice_pass", 80, 20),
    ("学校信息化发展规划审核通过率", "plans_approved", 80, 15),
    ("中期自查与整改落实（现场查看）", "", None, 15),
]
_SCHOOL = [
    ("参训率", "participation", 100, 20),
    ("学时达标率", "completion", 85, 25),
    ("实践测评合格率", "practice_pass", 85, 20),
    ("学校信息化发展规划", "plans_approved", 100, 15),
    ("校本研修组织（现场查看）", "", None, 20),
]


def preset(kind: str, unit_level: str) -> list[dict]:
    rows = _SCHOOL if unit_level == "school" else (_MIDTERM if kind == "midterm" else _REGULAR)
    return [{"code": f"i{n}", "name": name, "metric": metric, "target": target, "weight": weight}
            for n, (name, metric, target, weight) in enumerate(rows, start=1)]


def rubric_clean(rows: list[dict]) -> list[dict]:
    """Validated rows ({name, metric, target, weight}; rows without a name are dropped), each
    given a stable code i1, i2, …. Raises ValidationError with every problem found."""
    cleaned, errors, seen = [], [], set()
    for row in rows:
        name = str(row.get("name") or "").strip()[:64]
        if not name:
            continue
        metric = str(row.get("metric") or "").strip()
        if metric and metric not in METRICS:
            errors.append(_(RUBRIC_BAD_METRIC) % {"name": name})
            continue
        if name in seen:
            errors.append(_(RUBRIC_DUPLICATE) % {"name": name})
            continue
        seen.add(name)
        try:
            target_text = str(row.get("target") if row.get("target") is not None else "").strip()
            target = float(Decimal(target_text)) if target_text else None
            weight = int(Decimal(str(row.get("weight") or 0)))
        except (InvalidOperation, ValueError):
            errors.append(_(RUBRIC_BAD_NUMBER) % {"name": name})
            continue
        if (target is not None and not 0 <= target <= 100) or not 0 <= weight <= 100:
            errors.append(_(RUBRIC_BAD_NUMBER) % {"name": name})
            continue
        cleaned.append({"code": f"i{len(cleaned) + 1}", "name": name, "metric": metric, "target": target,
                        "weight": weight})
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise ValidationError(_(RUBRIC_EMPTY))
    if len(cleaned) > MAX_INDICATORS:
        raise ValidationError(_(RUBRIC_TOO_LONG) % {"n": MAX_INDICATORS})
    return cleaned


def meets_target(indicator: dict, value: float | None) -> bool | None:
    if indicator.get("target") is None or value is None:
        return None
    return value >= indicator["target"]
