"""A panel's results: per item and criterion the number of scores, their mean, spread
(population standard deviation), median, and the outlier scores; per item the weighted total
(rubric.weighted_total) and its rank.

The outlier rule: a score is flagged when it lies further from the item's median for that
criterion than 30 % of the criterion's maximum, and at least three experts scored it. (A rule
in standard deviations cannot fire on a panel of 3 to 5 experts: one score of n can never be
more than (n−1)/√n population standard deviations from their mean, 1.15 for three.)

Three queries for a whole panel (items, scores with their experts, counts), whatever its size."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q

from tisheng.panels.models import ConflictDeclaration, Panel, PanelAssignment, Score
from tisheng.panels.rubric import weighted_total

OUTLIER_SHARE = 0.30
OUTLIER_MIN_SCORES = 3


def panel_results(panel: Panel) -> dict:
    criteria = panel.rubric["criteria"]
    by_key = {c["key"]: c for c in criteria}
    values: dict[tuple[int, str], list[tuple[float, str, int]]] = defaultdict(list)
    comments: dict[int, list[str]] = defaultdict(list)
    for s in Score.objects.filter(item__panel=panel).select_related("expert__user").order_by("id"):
        values[(s.item_id, s.criterion)].append((float(s.value), s.expert.user.name, s.expert_id))
        if s.comment and s.comment not in comments[s.item_id]:
            comments[s.item_id].append(s.comment)
    items = list(panel.items.annotate(
        n_conflicts=Count("conflicts", distinct=True),
        n_assigned=Count("assignments", distinct=True),
        n_submitted=Count("assignments", filter=Q(assignments__submitted_at__isnull=False), distinct=True),
    ).order_by("id"))
    rows = []
    for item in items:
        stats, outliers, means = {}, [], {}
        for c in criteria:
            vs = values.get((item.pk, c["key"]), [])
            if not vs:
                stats[c["key"]] = {"n": 0, "mean": None, "sd": None, "median": None}
                means[c["key"]] = None
                continue
            xs = [v for v, _, _ in vs]
            median = statistics.median(xs)
            mean = statistics.fmean(xs)
            stats[c["key"]] = {"n": len(xs), "mean": round(mean, 2), "sd": round(statistics.pstdev(xs), 2),
                               "median": round(median, 2), "min": min(xs), "max": max(xs)}
            means[c["key"]] = mean
            if len(xs) >= OUTLIER_MIN_SCORES:
                for v, name, expert_id in vs:
                    if abs(v - median) > OUTLIER_SHARE * by_key[c["key"]]["max"]:
                        outliers.append({"criterion": c["key"], "label": c["label"], "value": v,
                                         "expert": name, "expert_id": expert_id})
        rows.append({"item_id": item.pk, "key": item.key, "title": item.title, "criteria": stats,
                     "total": weighted_total(panel.rubric, means), "outliers": outliers,
                     "scored_by": item.n_submitted, "assigned": item.n_assigned,
                     "conflicts": item.n_conflicts, "comments": comments.get(item.pk, [])})
    ranked = sorted((r for r in rows if r["total"] is not None), key=lambda r: -r["total"])
    for rank, r in enumerate(ranked, start=1):
        r["rank"] = rank
    declared = ConflictDeclaration.objects.filter(item=OuterRef("item"), expert=OuterRef("expert"))
    missing = PanelAssignment.objects.filter(item__panel=panel, submitted_at__isnull=True).exclude(
        Exists(declared)).count()
    return {"items": rows, "missing": missing,
            "rule": {"outlier_share": OUTLIER_SHARE, "min_scores": OUTLIER_MIN_SCORES}}
