"""The instrument editor's form and the parsing of its item and band rows."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict

from tisheng.diagnostics.models import Instrument

EXTRA_ROWS = 2


class InstrumentForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = ["title", "allow_retake"]


def choices_to_text(choices: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['label']}={c['score']}" for c in choices)


def parse_choices(text: str) -> list[dict[str, Any]]:
    """'label=score' per line; lines without a whole-number score are dropped."""
    out = []
    for line in text.splitlines():
        label, sep, score = line.rpartition("=")
        if sep and label.strip() and score.strip().isdigit():
            out.append({"label": label.strip(), "score": int(score.strip())})
    return out


def parse_points(text: str) -> list[str]:
    """'A3 B3' or 'A3，B3' → ["A3", "B3"] (codes checked by the service)."""
    return list(dict.fromkeys(code.upper() for code in re.split(r"[\s,，、;；]+", text) if code))


def _pk(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _count(post: QueryDict, prefix: str) -> int:
    raw = post.get(f"{prefix}-count", "0")
    return min(int(raw), 500) if raw.isdigit() else 0


def items_from_post(post: QueryDict) -> list[dict[str, Any]]:
    rows = []
    for i in range(_count(post, "items")):
        p = f"items-{i}-"
        text = post.get(p + "text", "").strip()
        pk = _pk(post.get(p + "id", ""))
        if not text and pk is None:
            continue  # an unused blank row
        row = {"id": pk, "text": text, "level": post.get(p + "level", ""),
               "dimension": post.get(p + "dimension", ""),
               "choices": parse_choices(post.get(p + "choices", "")),
               "delete": bool(post.get(p + "delete")) or not text}
        if p + "points" in post:  # 2.0 editors only: the points the question asks about
            row["micro_abilities"] = parse_points(post.get(p + "points", ""))
        rows.append(row)
    return rows


def bands_from_post(post: QueryDict) -> list[dict[str, Any]]:
    rows = []
    for i in range(_count(post, "bands")):
        p = f"bands-{i}-"
        pk = _pk(post.get(p + "id", ""))
        pass_min, excellent_min = post.get(p + "pass_min", ""), post.get(p + "excellent_min", "")
        if pk is None and not pass_min and not excellent_min:
            continue
        rows.append({"id": pk, "level": post.get(p + "level", ""), "dimension": post.get(p + "dimension", ""),
                     "pass_min": int(pass_min) if pass_min.isdigit() else -1,
                     "excellent_min": int(excellent_min) if excellent_min.isdigit() else -1,
                     "delete": bool(post.get(p + "delete"))})
    return rows
