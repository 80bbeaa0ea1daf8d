"""A winner's award as a line on the teacher's record (tisheng.core.honours): 视同本级公开课."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tisheng.core import honours


def _awards(teacher_ids: list[int]) -> dict[int, list[honours.Honour]]:
    from tisheng.achievements.models import Nomination, RoundState
    from tisheng.achievements.services import COUNTS_AS

    out: dict[int, list[honours.Honour]] = {}
    rows = (Nomination.objects.filter(teacher_id__in=teacher_ids, round__state=RoundState.PUBLISHED)
            .exclude(award="").select_related("round"))
    for n in rows:
        out.setdefault(n.teacher_id, []).append(honours.Honour(
            date=timezone.localtime(n.awarded_at).date(),
            title=f"{n.round.title} {n.get_award_display()}：《{n.title}》",
            counts_as=COUNTS_AS[n.round.level], url=reverse("achievements:certificate", args=[n.pk])))
    return out


def _awards_in(path: str) -> int:
    """Awards won by a unit's nominations (its own and its schools'), for the model-site indicators."""
    from django.db.models import Q

    from tisheng.achievements.models import Nomination, RoundState

    return (Nomination.objects.filter(Q(unit_path=path) | Q(unit_path__startswith=path + "/"),
                                      round__state=RoundState.PUBLISHED).exclude(award="")
            .values("resource_id").distinct().count())


def register_honours() -> None:
    from django.utils.translation import gettext_lazy

    from tisheng.resources.services.sites import Indicator, register_indicator

    honours.register(_awards)
    register_indicator(Indicator("achievements", gettext_lazy("Award-winning achievements"), ""), _awards_in)
