"""Sections that apps above monitoring add to its bulletins (通报) and dashboards, so monitoring
never imports them (calls go down, news goes up). An app registers a builder once, in its
AppConfig.ready(), the way tisheng.home.todos works:

    from tisheng.monitoring.sections import register_bulletin_section
    register_bulletin_section("institution_ranking", ranking_section)

- A bulletin section: `build(program, node_path) -> Section | None`, called once when a bulletin
  is issued, in the site's language. Its table is archived in the bulletin's numbers (JSON),
  HTML and PDF, so a later change never rewrites a bulletin already issued.
- A dashboard section: `build(actor, program, node_path) -> Section | None`, called on every
  dashboard view; it must cost a fixed number of queries and answer None without a query for
  an actor it has nothing for (the dashboard's query count is pinned).

A section is a small table: a title, an optional line before and after it, column headings and
rows of cells (a cell is text or a number; on a dashboard it may be {"text": …, "url": …}).
A builder that fails is logged and left out: one app's bug must not stop the weekly bulletins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation

logger = logging.getLogger(__name__)


@dataclass
class Section:
    key: str  # the section's data-testid: section-<key>
    title: str
    columns: list[str]
    rows: list[list[Any]]
    intro: str = ""
    note: str = ""
    url: str = ""  # dashboards: the page where the reader acts on it
    link: str = ""  # that link's text
    warn: bool = False  # dashboards: shown as needing attention
    widths: list[int] = field(default_factory=list)  # PDF column widths in mm (empty: even)

    def as_dict(self) -> dict:
        return asdict(self)


BulletinBuild = Callable[[Any, str], "Section | None"]
DashboardBuild = Callable[[Any, Any, str], "Section | None"]
BULLETIN_SECTIONS: dict[str, BulletinBuild] = {}
DASHBOARD_SECTIONS: dict[str, DashboardBuild] = {}


def register_bulletin_section(key: str, build: BulletinBuild) -> BulletinBuild:
    """Add `build`'s table to every bulletin issued from now on (a key again replaces it)."""
    BULLETIN_SECTIONS[key] = build
    return build


def register_dashboard_section(key: str, build: DashboardBuild) -> DashboardBuild:
    """Add `build`'s table to the dashboards (a key again replaces it)."""
    DASHBOARD_SECTIONS[key] = build
    return build


def bulletin_sections(program, node_path: str) -> list[dict]:
    """Every registered section for a bulletin of `node_path`, as JSON-able dicts."""
    out = []
    with translation.override(settings.LANGUAGE_CODE):
        for key, build in BULLETIN_SECTIONS.items():
            try:
                section = build(program, node_path)
            except Exception:
                logger.exception("bulletin section %s failed for %s", key, node_path)
                continue
            if section is not None:
                out.append(section.as_dict())
    return out


def dashboard_sections(actor, program, node_path: str) -> list[Section]:
    out = []
    for key, build in DASHBOARD_SECTIONS.items():
        try:
            section = build(actor, program, node_path)
        except Exception:
            logger.exception("dashboard section %s failed for %s", key, node_path)
            continue
        if section is not None:
            out.append(section)
    return out
