"""Supervision's to-dos on the home page (registered with tisheng.home.todos in apps.py): the
overdue rectification items on both sides, the unit's items still to answer, the office's answers
to decide. Two queries for anyone holding a supervision role (one aggregate, the most overdue
item), none for anyone else."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext_lazy

from tisheng.accounts.roles import Cap
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.orgs.scope import has_capability
from tisheng.supervision import selectors

OVERDUE = gettext_lazy("Overdue rectification items")
OVERDUE_DETAIL = gettext_lazy("%(unit)s: %(item)s (deadline %(date)s, %(days)s days overdue)")
OVERDUE_MORE = gettext_lazy("and %(n)s more")
TO_ANSWER = gettext_lazy("Rectification items your unit has to answer")
TO_DECIDE = gettext_lazy("Rectification answers to accept or reopen")
NONE = pgettext_lazy("home todo", "None")
TITLE = pgettext_lazy("home todo", "Supervision")


def supervision_todos(actor) -> list[dict]:
    manage, respond = has_capability(actor, Cap.SUPERVISION_MANAGE), has_capability(actor, Cap.SUPERVISION_RESPOND)
    if not (manage or respond or has_capability(actor, Cap.SUPERVISION_INSPECT)):
        return []
    on = shanghai_today()
    counts = selectors.todo_counts(actor, on=on)
    url = reverse("supervision:home")
    detail = ""
    if counts["overdue"]:
        first = selectors.overdue_rectifications(actor, on=on).first()
        detail = str(OVERDUE_DETAIL) % {"unit": first.inspection.unit_name, "item": first.description[:30],
                                        "date": first.deadline.isoformat(), "days": (on - first.deadline).days}
        if counts["overdue"] > 1:
            detail += " " + str(OVERDUE_MORE) % {"n": counts["overdue"] - 1}
    rows = [{"label": str(OVERDUE), "url": url + "#overdue", "count": counts["overdue"], "done": str(NONE),
             "warn": counts["overdue"] > 0, "detail": detail, "key": "supervision-overdue"}]
    if respond and selectors.unit_paths(actor):
        rows.append({"label": str(TO_ANSWER), "url": url, "count": counts["to_answer"], "done": str(NONE),
                     "key": "supervision-to-answer"})
    if manage:
        rows.append({"label": str(TO_DECIDE), "url": url + "#awaiting", "count": counts["to_decide"],
                     "done": str(NONE), "key": "supervision-to-decide"})
    return rows
