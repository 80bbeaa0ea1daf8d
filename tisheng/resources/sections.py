"""Designated model sites marked on the bulletins and dashboards of the area they are in
(tisheng.monitoring.sections): one query, the current designations under the node."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tisheng.monitoring.sections import Section
from tisheng.resources.services.sites import current_designations


def _section(node_path: str) -> Section | None:
    rows = list(current_designations().filter(Q(unit_path=node_path) | Q(unit_path__startswith=node_path + "/"))
                .order_by("kind", "unit_path").values_list("unit_name", "kind", "period_start", "period_end")[:50])
    if not rows:
        return None
    from tisheng.resources.models import SiteKind

    labels = dict(SiteKind.choices)
    return Section(key="model-sites", title=_("Model sites in this area"),
                   columns=[_("Unit"), pgettext("model site", "Designated as"), pgettext("model site", "Period")],
                   rows=[[name, str(labels.get(kind, kind)), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"]
                         for name, kind, start, end in rows],
                   note=_("Designated by the province office; the public list has every current designation."),
                   url=reverse("resources:sites"), link=_("Model sites"), widths=[80, 50, 50])


def bulletin_section(program, node_path: str) -> Section | None:
    return _section(node_path)


def dashboard_section(actor, program, node_path: str) -> Section | None:
    return _section(node_path)
