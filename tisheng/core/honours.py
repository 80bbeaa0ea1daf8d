"""Honours on a teacher's record: lines that higher apps add to the profile and transcript
(an achievement round's award counts 视同本级公开课) without the record's own apps importing them.

    honours.register(fn)            # fn(teacher_ids: list[int]) -> {teacher_id: [Honour, ...]}
    honours.honours_for(teacher)    # every registered source's lines, newest first

Each source answers for any number of teachers in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Honour:
    date: dt.date
    title: str  # 2026年鼓楼区优秀应用成果评选 一等奖：《分数的意义》
    counts_as: str  # 视同县级公开课
    url: str = ""  # the certificate, for those who may open it


HonourSource = Callable[[list[int]], dict[int, list[Honour]]]
_SOURCES: list[HonourSource] = []


def register(fn: HonourSource) -> None:
    if fn not in _SOURCES:
        _SOURCES.append(fn)


def honours_for_many(teacher_ids: list[int]) -> dict[int, list[Honour]]:
    out: dict[int, list[Honour]] = {}
    for fn in _SOURCES:
        for teacher_id, lines in fn(teacher_ids).items():
            out.setdefault(teacher_id, []).extend(lines)
    for lines in out.values():
        lines.sort(key=lambda h: h.date, reverse=True)
    return out


def honours_for(teacher) -> list[Honour]:
    return honours_for_many([teacher.pk]).get(teacher.pk, [])
