"""Pure scoring: answers → percent per cell, percent → band, and the focused set of capability
points a 2.0 result recommends. No database access."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

FAIL, PASS, EXCELLENT = "fail", "pass", "excellent"


class _Item(Protocol):
    pk: int
    level: str
    dimension: str
    choices: list
    max_score: int


class _Band(Protocol):
    level: str
    dimension: str
    pass_min: int
    excellent_min: int


def cell_key(level: str, dimension: str) -> str:
    return f"{level}|{dimension}"


def score_answers(items: Iterable[_Item], answers: dict[int, int]) -> dict[str, float]:
    """Each cell's (level × dimension) points as a percent of its maximum, one decimal."""
    got: dict[str, int] = {}
    best: dict[str, int] = {}
    for item in items:
        key = cell_key(item.level, item.dimension)
        got[key] = got.get(key, 0) + int(item.choices[answers[item.pk]]["score"])
        best[key] = best.get(key, 0) + item.max_score
    return {key: round(100 * got[key] / best[key], 1) if best[key] else 0.0 for key in got}


def band_of(bands: Iterable[_Band], level: str, dimension: str, percent: float,
            default: tuple[int, int] = (60, 85)) -> str:
    """FAIL / PASS / EXCELLENT by the most specific band: level and dimension, then the
    dimension at any level, then the level, then the overall band."""
    by_cell = {(b.level, b.dimension): b for b in bands}
    for key in ((level, dimension), ("", dimension), (level, ""), ("", "")):
        if key in by_cell:
            pass_min, excellent_min = by_cell[key].pass_min, by_cell[key].excellent_min
            break
    else:
        pass_min, excellent_min = default
    if percent >= excellent_min:
        return EXCELLENT
    if percent >= pass_min:
        return PASS
    return FAIL


@dataclass(frozen=True)
class PointFacts:
    """What the answers say of one capability point: `score` is the percent of its own
    questions' answers (or of its dimension, when no question names it); `weak` when that
    score or its dimension is below 合格; `order` breaks ties (the school's group first)."""

    code: str
    dimension: str
    score: float
    weak: bool
    order: tuple


FOCUS_MOST = 5


def focused_points(points: Iterable[PointFacts], *, min_points: int, min_dimensions: int,
                   most: int = FOCUS_MOST) -> list[PointFacts]:
    """A focused set for a teacher who must pass `min_points` points over `min_dimensions`
    dimensions (2.0: 3 over 3): the weakest point of each weak dimension, weakest first;
    then, while fewer dimensions are covered than the rule asks, the lowest-scored point of
    each dimension not covered yet; then more weak points, weakest first, up to `most`; then,
    if still short of `min_points`, the lowest-scored of the rest. Weak points come first."""
    ranked = sorted(points, key=lambda p: (p.score, p.order))
    weak = [p for p in ranked if p.weak]
    others = [p for p in ranked if not p.weak]
    picked: list[PointFacts] = []
    covered: set[str] = set()

    def take(p: PointFacts) -> None:
        picked.append(p)
        covered.add(p.dimension)

    for p in weak:
        if len(picked) < most and p.dimension not in covered:
            take(p)
    for p in others:
        if len(covered) >= min_dimensions or len(picked) >= most:
            break
        if p.dimension not in covered:
            take(p)
    for p in weak:
        if len(picked) >= most:
            break
        if p not in picked:
            take(p)
    for p in others:
        if len(picked) >= min(min_points, most):
            break
        if p not in picked:
            take(p)
    return sorted(picked, key=lambda p: (not p.weak, p.score, p.order))
