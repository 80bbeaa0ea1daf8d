"""Evaluation (考评, the Fujian notice 五.(六); the MOE opinion's 专家评估、网络评估、第三方评估):
one `EvaluationPeriod` a year at the province, with

- the platform's objective measures (`institutions.measures`, grouped queries) and the
  teachers' ratings (网络评估);
- an expert panel (tisheng.panels, rubric as data) scoring every institution contracted in the
  province; its frozen results count once the panel is closed (专家评估);
- third-party evaluators' reports and scores, 0–100 (第三方评估);
- a composite: each component on 0–100, weighted by the period's `weights` (data the province
  edits), over the components an institution has (a missing one is left out, not a zero, and
  the page says which were missing); the ranking orders the composites of the institutions
  measured on at least half of the weight (MIN_COVERAGE); the others show unranked.

Publishing freezes the ranking (`EvaluationPeriod.ranking`) and tells each institution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import User
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.institutions.documents import document_store
from tisheng.institutions.measures import Measures, measures
from tisheng.institutions.models import EvaluationPeriod, ThirdPartyEvaluation
from tisheng.learning.models import Contract
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import path_in_scope, path_q
from tisheng.panels import services as panels
from tisheng.panels.services import ItemSpec

PERIOD_KEY = "institutions.evaluation:%s"
MIN_COVERAGE = 0.5  # share of the weights an institution must be measured on to be ranked

COMPONENTS = (
    ("ratings", pgettext_lazy("evaluation component", "Teachers' ratings")),
    ("completion", pgettext_lazy("evaluation component", "Completion rate")),
    ("conformance", pgettext_lazy("evaluation component", "Records accepted")),
    ("complaints", pgettext_lazy("evaluation component", "Few complaints")),
    ("expert", pgettext_lazy("evaluation component", "Expert evaluation")),
    ("third_party", pgettext_lazy("evaluation component", "Third-party evaluation")),
)
DEFAULT_WEIGHTS = {"ratings": 25, "completion": 20, "conformance": 10, "complaints": 10, "expert": 20,
                   "third_party": 15}
DEFAULT_RUBRIC = {"criteria": [
    {"key": "resources", "label": "课程资源质量", "weight": 30, "max": 100},
    {"key": "delivery", "label": "组织实施与学习支持", "weight": 30, "max": 100},
    {"key": "platform", "label": "平台运行与数据对接", "weight": 20, "max": 100},
    {"key": "service", "label": "服务团队与响应", "weight": 20, "max": 100}]}

NOT_PROVINCE = _("The evaluation of institutions is run by the province office.")
YEAR_INVALID = _("Choose a year from 2015 to next year.")
PERIOD_EXISTS = _("The evaluation of %(year)s is already open.")
WEIGHT_INVALID = _("The weight of %(component)s must be a whole number from 0 to 100.")
WEIGHTS_ALL_ZERO = _("Give at least one component a weight above 0.")
SCORE_INVALID = _("The score must be a number from 0 to 100 (at most two decimals).")
NOT_EVALUATED_HERE = _("This institution is not evaluated in this period.")
ALREADY_PUBLISHED = _("The ranking of this period is published and can no longer change.")
NOTHING_TO_RANK = _("No institution is measured on enough components to be ranked yet.")


def _check_office(actor: User, period: EvaluationPeriod) -> None:
    if not path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, period.scope_path):
        raise Http404


def evaluated_institutions(period: EvaluationPeriod):
    """The institutions contracted anywhere in the period's region (any program)."""
    contracted = Contract.objects.filter(path_q("region_path", [period.scope_path])).values("institution_id")
    return Organization.objects.filter(pk__in=contracted, kind="institution").order_by("name")


def weights_clean(data: dict) -> dict:
    out = {}
    for key, label in COMPONENTS:
        raw = str(data.get(key, 0)).strip()
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            raise ValidationError(WEIGHT_INVALID, code="weight_invalid", params={"component": label})
        out[key] = int(raw)
    if not any(out.values()):
        raise ValidationError(WEIGHTS_ALL_ZERO, code="weights_all_zero")
    return out


@transaction.atomic
def period_open(*, actor: User, region: Region, year: int, ends_on: dt.date, weights: dict | None = None,
                rubric: dict | None = None) -> EvaluationPeriod:
    """Open the year's evaluation and its expert panel over the institutions contracted in the region."""
    if region.level != RegionLevel.PROVINCE or not path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, region.path):
        raise ValidationError(NOT_PROVINCE, code="not_province")
    if not 2015 <= year <= timezone.localdate().year + 1:
        raise ValidationError(YEAR_INVALID, code="year_invalid")
    if EvaluationPeriod.objects.filter(region=region, year=year).exists():
        raise ValidationError(PERIOD_EXISTS, code="period_exists", params={"year": year})
    period = EvaluationPeriod.objects.create(region=region, scope_path=region.path, year=year, created_by=actor,
                                             weights=weights_clean(weights or DEFAULT_WEIGHTS))
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("%(year)s evaluation of training institutions: expert review") % {"year": year}
    period.panel = panels.panel_create(actor=actor, round_key=PERIOD_KEY % period.pk, title=title,
                                       scope_path=region.path, rubric=rubric or DEFAULT_RUBRIC, ends_on=ends_on)
    period.save(update_fields=["panel"])
    period_items_refresh(period)
    audit(actor=actor, action="institutions.evaluation_opened", obj=period, year=year)
    return period


def period_items_refresh(period: EvaluationPeriod) -> None:
    """Put every evaluated institution on the panel (new contracts join while it is open)."""
    if period.panel_id and period.panel.is_open:
        panels.panel_items_set(panel=period.panel, items=[
            ItemSpec(f"institution:{o.pk}", o.name, o) for o in evaluated_institutions(period)])


@transaction.atomic
def weights_set(*, actor: User, period: EvaluationPeriod, weights: dict) -> EvaluationPeriod:
    _check_office(actor, period)
    if period.published_at:
        raise ValidationError(ALREADY_PUBLISHED, code="already_published")
    before = period.weights
    period.weights = weights_clean(weights)
    period.save(update_fields=["weights"])
    audit(actor=actor, action="institutions.weights_set", obj=period, before=before, after=period.weights)
    return period


def _score(value: str) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        score = Decimal(-1)
    if not score.is_finite() or not 0 <= score <= 100 or score != score.quantize(Decimal("0.01")):
        raise ValidationError(SCORE_INVALID, code="score_invalid")
    return score


def third_party_submit(*, actor: User, period: EvaluationPeriod, institution: Organization, score: str,
                       summary: str, upload: UploadedFile) -> ThirdPartyEvaluation:
    """A third-party evaluator's report (PDF or .docx) and score for one institution; sending
    again replaces their earlier one (whose file goes once the new one is recorded). The file is
    stored before the transaction that records it and goes again if that does not commit."""
    if not path_in_scope(actor, Cap.INSTITUTIONS_ASSESS, period.scope_path):
        raise Http404
    if period.published_at:
        raise ValidationError(ALREADY_PUBLISHED, code="already_published")
    if not evaluated_institutions(period).filter(pk=institution.pk).exists():
        raise ValidationError(NOT_EVALUATED_HERE, code="not_evaluated_here")
    value = _score(score)
    stored = document_store(actor=actor, upload=upload, directory=f"institutions/evaluation/{period.pk}",
                            stem=f"{institution.pk}-{actor.pk}")
    with storage_files.discarded_on_error(stored.relative), transaction.atomic():
        previous = ThirdPartyEvaluation.objects.select_for_update().filter(
            period=period, institution=institution, evaluator=actor).first()
        report, _created = ThirdPartyEvaluation.objects.update_or_create(
            period=period, institution=institution, evaluator=actor, defaults={
                "score": value, "summary": summary.strip()[:4000], "file_name": stored.name,
                "stored_path": stored.relative, "content_type": stored.content_type, "size": stored.size,
                "sha256": stored.sha256, "uploaded_at": timezone.now()})
        audit(actor=actor, action="institutions.third_party_sent", obj=period, institution=institution.pk,
              score=str(value))
        if previous is not None and previous.stored_path != stored.relative:
            storage_files.discard_on_commit(previous.stored_path)
    return report


def _expert_totals(period: EvaluationPeriod) -> dict[int, float]:
    if not period.panel_id or not period.panel.results:
        return {}
    return {int(r["key"].split(":")[1]): r["total"] for r in period.panel.results.get("items", [])
            if r.get("total") is not None}


def _third_party(period: EvaluationPeriod) -> dict[int, float]:
    from django.db.models import Avg

    return {r["institution_id"]: float(r["avg"]) for r in
            period.third_party.values("institution_id").annotate(avg=Avg("score")).order_by()}


def components_of(m: Measures, expert: float | None, third_party: float | None) -> dict[str, float | None]:
    """Each component on 0–100 (None: nothing to measure it by)."""
    stars = m.stars_mean
    return {
        "ratings": round((stars - 1) / 4 * 100, 1) if stars is not None else None,
        "completion": round(100 * m.completion_rate, 1) if m.completion_rate is not None else None,
        "conformance": round(100 * (1 - m.rejected_share), 1) if m.rejected_share is not None else None,
        "complaints": round(100 * (1 - m.complaints / m.ratings), 1) if m.ratings else None,
        "expert": round(expert, 1) if expert is not None else None,
        "third_party": round(third_party, 1) if third_party is not None else None,
    }


def composite(components: dict[str, float | None], weights: dict) -> float | None:
    parts = [(weights.get(k, 0), v) for k, v in components.items() if v is not None and weights.get(k, 0)]
    total_weight = sum(w for w, _v in parts)
    return round(sum(w * v for w, v in parts) / total_weight, 1) if total_weight else None


def ranking(period: EvaluationPeriod, *, live: bool = False) -> list[dict]:
    """Every evaluated institution with its components and composite, best first (a fixed
    number of queries for all of them), from the daily roll-up of the measures unless `live`
    (or some institution has none yet). A published period returns its frozen ranking."""
    if period.published_at:
        return period.ranking
    from tisheng.institutions.rollup import rolled_up

    institutions = list(evaluated_institutions(period))
    ids = [o.pk for o in institutions]
    found = None if live or not ids else rolled_up(ids, period.year, by="institution")
    by_institution = found[0] if found else measures(institution_ids=ids, year=period.year, by="institution")
    experts, third = _expert_totals(period), _third_party(period)
    rows = []
    for o in institutions:
        m = by_institution.get(o.pk, Measures())
        parts = components_of(m, experts.get(o.pk), third.get(o.pk))
        weight = sum(period.weights.values()) or 1
        covered = sum(w for k, w in period.weights.items() if parts.get(k) is not None)
        rows.append({"institution_id": o.pk, "name": o.name, "components": parts,
                     "composite": composite(parts, period.weights), "coverage": round(covered / weight, 2),
                     "missing": [k for k, v in parts.items() if v is None and period.weights.get(k)]})
    # Ranked: those measured on at least MIN_COVERAGE of the weight, so an institution with one
    # good figure and nothing else does not outrank one measured on everything.
    ranked = sorted((r for r in rows if r["composite"] is not None and r["coverage"] >= MIN_COVERAGE),
                    key=lambda r: (-r["composite"], r["name"]))
    for rank, r in enumerate(ranked, start=1):
        r["rank"] = rank
    rows.sort(key=lambda r: (r.get("rank") is None, r.get("rank") or 0, -(r["composite"] or 0), r["name"]))
    return rows


def scores_for(period: EvaluationPeriod, institution: Organization, total: Measures | None) -> dict:
    """One institution's components and composite (no rank: that needs every institution).
    `total`: its province-wide measures when the caller already has them."""
    if total is None:
        total = measures(institution_ids=[institution.pk], year=period.year, by="institution").get(
            institution.pk, Measures())
    parts = components_of(total, _expert_totals(period).get(institution.pk), _third_party(period).get(institution.pk))
    return {"institution_id": institution.pk, "name": institution.name, "components": parts,
            "composite": composite(parts, period.weights)}


@transaction.atomic
def ranking_publish(*, actor: User, period: EvaluationPeriod) -> list[dict]:
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    _check_office(actor, period)
    if period.published_at:
        raise ValidationError(ALREADY_PUBLISHED, code="already_published")
    rows = ranking(period, live=True)  # published figures are today's, not the roll-up's
    if not any(r.get("rank") for r in rows):
        raise ValidationError(NOTHING_TO_RANK, code="nothing_to_rank")
    period.ranking, period.published_at = rows, timezone.now()
    period.save(update_fields=["ranking", "published_at"])
    audit(actor=actor, action="institutions.ranking_published", obj=period, count=len(rows))
    from tisheng.institutions.services.selection import _institution_users

    users = _institution_users([r["institution_id"] for r in rows])
    notices = []
    for r in rows:
        url = reverse("institutions:evaluation_institution", args=[period.pk, r["institution_id"]])
        body = (gettext("Composite %(score)s, rank %(rank)s of %(count)s.") % {
            "score": r["composite"], "rank": r["rank"], "count": len(rows)} if r.get("rank")
            else gettext("Not ranked: too little to measure."))
        title = gettext("%(year)s evaluation published") % {"year": period.year}
        notices += [Message(to=u, kind=Kind.OTHER, title=title, body=body, url=url)
                    for u in users[r["institution_id"]]]
    notify_many(notices)
    return rows
