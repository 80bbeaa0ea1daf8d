"""The institutions' published ranking in the weekly bulletins (the notice 五.(六): 考评结果
定期通报), registered with tisheng.monitoring.sections in InstitutionsConfig.ready().

The section is the ranking as the province froze it when publishing (never recomputed), the
latest published period whose region covers the bulletin's node. The province's bulletin lists
every institution; a city's or county's lists the institutions contracted for the bulletin's
program over that region (with their place in the province's ranking), and none when there are
none. Two queries, or one when nothing is published."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.institutions.models import EvaluationPeriod
from tisheng.institutions.services.evaluation import COMPONENTS
from tisheng.learning.models import Contract
from tisheng.monitoring.sections import Section

RANKING_TITLE = _("Evaluation of the training institutions")
RANKING_INTRO = _("The %(year)s evaluation of the training institutions, published by %(office)s on %(day)s.")
RANKING_INTRO_REGION = _("The %(year)s evaluation of the training institutions, published by %(office)s on %(day)s: "
                        "the institutions contracted here and their places in its ranking.")
RANKING_NOTE = _("The composite weighs the teachers' ratings, completion, accepted records, complaints, the experts' "
                "and third parties' scores; an institution measured on less than half of the weight is not ranked.")
UNRANKED = pgettext_lazy("evaluation rank", "Not ranked")
COLUMNS = (pgettext_lazy("evaluation rank", "Rank"), pgettext_lazy("evaluation rank", "Institution"),
           pgettext_lazy("evaluation rank", "Composite"))


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _cell(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def ranking_section(program, node_path: str) -> Section | None:
    period = (EvaluationPeriod.objects.filter(published_at__isnull=False, scope_path__in=_ancestors(node_path))
              .select_related("region").order_by("-year", "-published_at").first())
    if period is None or not period.ranking:
        return None
    rows = period.ranking
    intro = RANKING_INTRO
    if node_path != period.scope_path:
        contracted = set(Contract.objects.filter(Q(region_path__in=_ancestors(node_path)) | Q(region_path__startswith=node_path + "/"),
                                                 program=program).values_list("institution_id", flat=True))
        rows = [r for r in rows if r["institution_id"] in contracted]
        intro = RANKING_INTRO_REGION
        if not rows:
            return None
    day = timezone.localtime(period.published_at).date()
    return Section(
        key="institution-ranking", title=str(RANKING_TITLE),
        intro=str(intro) % {"year": period.year, "office": period.region.name, "day": f"{day:%Y-%m-%d}"},
        columns=[*[str(c) for c in COLUMNS], *[str(label) for _key, label in COMPONENTS]],
        rows=[[str(r["rank"]) if r.get("rank") else str(UNRANKED), r["name"], _cell(r["composite"]),
               *[_cell(r["components"].get(key)) for key, _label in COMPONENTS]] for r in rows],
        note=str(RANKING_NOTE), widths=[12, 40, 16, 18, 18, 18, 18, 18, 18][:3 + len(COMPONENTS)])
