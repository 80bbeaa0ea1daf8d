"""Overdue rectification items on the monitoring dashboards (issue 19: "overdue items show on both
sides' home pages and dashboards"), registered with tisheng.monitoring.sections in
SupervisionConfig.ready(). On a node's dashboard: the items past their deadline of the inspected
units at or below that node which the reader may see (the office's rounds, an inspector's units,
the unit's own items; supervision.selectors.overdue_rectifications), the most overdue first.
Two queries (a count and the first rows) for a reader with a supervision role, none otherwise."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.roles import Cap
from tisheng.monitoring.sections import Section
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.orgs.scope import has_capability, path_q
from tisheng.supervision import selectors

SHOWN = 10
TITLE = _("Overdue rectifications")
INTRO = _("%(n)s rectification items of the units here are past their deadline and still wait for the unit.")
MORE = _("The %(shown)s most overdue are listed; the supervision page has them all.")
LINK = _("Open supervision")
COLUMNS = (pgettext_lazy("overdue rectification", "Unit"), pgettext_lazy("overdue rectification", "Round"),
           pgettext_lazy("overdue rectification", "Item"), pgettext_lazy("overdue rectification", "Owner"),
           pgettext_lazy("overdue rectification", "Deadline"), pgettext_lazy("overdue rectification", "Days overdue"))


def overdue_section(actor, program, node_path: str) -> Section | None:
    if not any(has_capability(actor, c) for c in (Cap.SUPERVISION_MANAGE, Cap.SUPERVISION_INSPECT,
                                                   Cap.SUPERVISION_RESPOND)):
        return None
    on = shanghai_today()
    items = selectors.overdue_rectifications(actor, on=on).filter(path_q("inspection__unit_path", [node_path]))
    count = items.count()
    if not count:
        return None
    rows = [[{"text": r.inspection.unit_name, "url": reverse("supervision:inspection", args=[r.inspection_id])},
             r.inspection.round.title, r.description[:60], r.owner.name, r.deadline.isoformat(),
             str((on - r.deadline).days)] for r in items[:SHOWN]]
    return Section(key="overdue-rectifications", title=str(TITLE), columns=[str(c) for c in COLUMNS], rows=rows,
                   intro=str(INTRO) % {"n": count}, note=str(MORE) % {"shown": SHOWN} if count > SHOWN else "",
                   url=reverse("supervision:home") + "#overdue", link=str(LINK), warn=True)
