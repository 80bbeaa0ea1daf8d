"""To-dos that apps other than home's own readers add to the home page.

An app registers a source once, in its AppConfig.ready():

    from tisheng.home.todos import register
    register("supervision", pgettext_lazy("home todo", "Supervision"), supervision_todos)

A source is a callable taking the signed-in user and returning rows (dicts with Item's fields:
label, url, count, detail, done, warn, key); an empty list adds nothing, so a source answers
[] without a query for people it has nothing for. Each source that returns rows becomes one
section after the role sections. A source must cost a fixed number of queries (the home page's
query counts are pinned in tests/test_query_counts.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TodoRows = Callable[[Any], list[dict]]


@dataclass(frozen=True)
class TodoSource:
    key: str  # the section's data-testid: section-<key>
    title: Any  # a (lazy) string
    rows: TodoRows


SOURCES: dict[str, TodoSource] = {}


def register(key: str, title: Any, rows: TodoRows) -> TodoRows:
    """Add `rows` to every home page under a section titled `title` (a key again replaces it)."""
    SOURCES[key] = TodoSource(key=key, title=title, rows=rows)
    return rows
