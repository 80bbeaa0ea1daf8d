"""The topics and micro-abilities the diagnostic test recommends, shipped as editable data
(data/topics_2014.json, data/micro_abilities.json, data/instruments.json) and loaded into the
Topic and MicroAbility tables, where the province office can correct them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

LEVELS: tuple[str, ...] = ("I", "II")
DIMENSIONS: tuple[str, ...] = ("技术素养", "计划与准备", "组织与管理", "评估与诊断", "学习与发展")
MICRO_DIMENSIONS: tuple[str, ...] = ("学情分析", "教学设计", "学法指导", "学业评价")
ENVIRONMENTS: tuple[str, ...] = ("A", "B", "C")


def _read(name: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def topic_rows() -> list[dict[str, Any]]:
    """T1–T27 as shipped: code, name, series, level, dimension, confirmed."""
    return _read("topics_2014.json")["topics"]


@cache
def micro_ability_rows() -> list[dict[str, Any]]:
    """The 30 capability points as shipped: code, name, dimension, environment, confirmed."""
    return _read("micro_abilities.json")["micro_abilities"]


@cache
def default_instruments() -> dict[str, dict[str, Any]]:
    """The seeded instruments by kind: title, items (text, level, dimension, choices), bands."""
    return _read("instruments.json")["instruments"]


# Code → name as shipped (the learning app checks a course's codes against these).
TOPICS: dict[str, str] = {row["code"]: row["name"] for row in topic_rows()}
MICRO_ABILITIES: dict[str, str] = {row["code"]: row["name"] for row in micro_ability_rows()}
