"""Pure scoring: answers → percent per cell, percent → band. No database access."""

from __future__ import annotations

from collections.abc import Iterable
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
