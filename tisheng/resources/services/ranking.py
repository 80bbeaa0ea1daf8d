"""The quality ranking (资源质量排行), as the MOE opinion asks: by use and by ratings.

    rating score  r = (C × m + Σ stars) / (C + n)                      Bayesian average, 1..5
    usage score   u = Σ over distinct people p of  w(p's strongest use) × 0.5 ^ (age of that use / H)
    quality       q = 100 × ( s × (r − 1) / 4  +  (1 − s) × ln(1 + u) / ln(1 + the largest u) )
    优质资源       q ≥ Q_min, n ≥ N_min ratings and at least U_min people used it

with m (prior mean, default 3 stars: the middle of the scale), C (prior weight, 10 votes), H
(half-life, 180 days), the weights w of a view, a download and a use in a plan or lesson, the
share s of ratings, and the thresholds all in `QualityRule` (data the province edits). With the
prior at the middle of the scale, three 5-star votes score (30 + 15) / 13 = 3.46 and three
hundred 4-star votes (30 + 1200) / 310 = 3.97: few votes cannot beat many good ones (for any
C > 3). A person counts once per resource however often they open it; what counts is their
strongest use, decayed by how long ago it was.

`ranking_recompute` is set-based: one GROUP BY over the usage events into a temporary table,
one over the ratings, then one UPDATE of every resource from them (200,000 resources with
5,000,000 events: see bench/bench_resources.py). The search index lives in its own table, so
rewriting every resource row does not rewrite it. It runs as the job `resources.rank`, queued
by `tisheng run-periodic` when the last ranking is older than RESOURCES_RANK_HOURS.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tisheng.resources.models import QualityRule, Resource, ResourceState

RANK_JOB = "resources.rank"


def quality_rule() -> QualityRule:
    rule = QualityRule.objects.order_by("id").first()
    return rule if rule is not None else QualityRule.objects.create()


def rating_score(rule: QualityRule, n: int, total: int) -> float:
    return (rule.prior_weight * rule.prior_mean + total) / (rule.prior_weight + n)


@dataclass
class Explanation:
    rating_score: float
    rating_mean: float
    rating_count: int
    usage_users: int
    usage_score: float
    quality: float
    excellent: bool


def explain(resource: Resource, rule: QualityRule) -> Explanation:
    """The inputs of a resource's place in the ranking, as its page shows them."""
    return Explanation(rating_score=round(resource.rating_score or rating_score(rule, resource.rating_count,
                                                                                resource.rating_sum), 2),
                       rating_mean=round(resource.rating_mean, 2), rating_count=resource.rating_count,
                       usage_users=resource.usage_users, usage_score=round(resource.usage_score, 1),
                       quality=round(resource.quality_score, 1), excellent=resource.is_excellent)


def _age_days(now: dt.datetime) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "GREATEST(EXTRACT(EPOCH FROM (%s - e.at))::float8 / 86400.0, 0)", [now]
    # SQLite keeps datetimes as UTC text; julianday() reads it.
    return "MAX(julianday(%s) - julianday(e.at), 0)", [now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")]


def ranking_recompute(*, now: dt.datetime | None = None) -> dict:
    """Recompute every resource's rating score, usage score, quality and 优质 mark."""
    now = now or timezone.now()
    rule = quality_rule()
    age, age_params = _age_days(now)
    half_life = max(float(rule.half_life_days), 1.0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS resources_rank_usage")
        cursor.execute(
            "CREATE TEMPORARY TABLE resources_rank_usage AS "
            "SELECT per_user.resource_id AS resource_id, COUNT(*) AS users, SUM(per_user.w) AS score FROM ("
            "  SELECT e.resource_id AS resource_id, e.user_id AS user_id, MAX("
            "    (CASE e.kind WHEN 'used' THEN %s WHEN 'download' THEN %s ELSE %s END)"
            f"   * POWER(0.5, {age} / %s)) AS w"
            "  FROM resources_usageevent e GROUP BY e.resource_id, e.user_id) per_user "
            "GROUP BY per_user.resource_id",
            [rule.weight_used, rule.weight_download, rule.weight_view, *age_params, half_life])
        cursor.execute("SELECT MAX(score) FROM resources_rank_usage")
        largest = float(cursor.fetchone()[0] or 0.0)
        cursor.execute("DROP TABLE IF EXISTS resources_rank_rating")
        cursor.execute("CREATE TEMPORARY TABLE resources_rank_rating AS SELECT resource_id, COUNT(*) AS n, "
                       "SUM(stars) AS total FROM resources_rating GROUP BY resource_id")
        if connection.vendor == "postgresql":
            cursor.execute("CREATE INDEX ON resources_rank_usage (resource_id)")
            cursor.execute("CREATE INDEX ON resources_rank_rating (resource_id)")
            cursor.execute("ANALYZE resources_rank_usage")
            cursor.execute("ANALYZE resources_rank_rating")
        denominator = math.log(1.0 + largest) if largest > 0 else 1.0
        share = min(max(rule.rating_share, 0.0), 1.0)
        # One UPDATE of every resource from the two small tables (a LEFT JOIN through subqueries
        # both databases run the same way). Written out in SQL: r, u and q as the docstring says.
        r_expr = "((%s * %s + COALESCE(rr.total, 0)) / (%s + COALESCE(rr.n, 0)))"
        r_params = [rule.prior_weight, rule.prior_mean, rule.prior_weight]
        q_expr = f"(100.0 * (%s * ({r_expr} - 1) / 4.0 + %s * LN(1 + COALESCE(ru.score, 0)) / %s))"
        q_params = [share, *r_params, 1.0 - share, denominator]
        cursor.execute(
            "UPDATE resources_resource SET "
            f" rating_count = x.n, rating_sum = x.total, rating_score = x.r, usage_users = x.users,"
            f" usage_score = x.u, quality_score = x.q,"
            f" is_excellent = (x.q >= %s AND x.n >= %s AND x.users >= %s), ranked_at = %s "
            f"FROM (SELECT res.id AS id, COALESCE(rr.n, 0) AS n, COALESCE(rr.total, 0) AS total, {r_expr} AS r,"
            f"  COALESCE(ru.users, 0) AS users, COALESCE(ru.score, 0) AS u, {q_expr} AS q"
            "  FROM resources_resource res"
            "  LEFT JOIN resources_rank_rating rr ON rr.resource_id = res.id"
            "  LEFT JOIN resources_rank_usage ru ON ru.resource_id = res.id) x "
            "WHERE resources_resource.id = x.id",
            [rule.excellent_min_score, rule.excellent_min_ratings, rule.excellent_min_users,
             connection.ops.adapt_datetimefield_value(now),
             *r_params, *q_params])
        updated = cursor.rowcount
        cursor.execute("DROP TABLE resources_rank_usage")
        cursor.execute("DROP TABLE resources_rank_rating")
    QualityRule.objects.filter(pk=rule.pk).update(ranked_at=now)
    excellent = Resource.objects.filter(is_excellent=True, state=ResourceState.PUBLISHED).count()
    return {"resources": updated, "excellent": excellent, "largest_usage": round(largest, 2)}


def ranking_is_stale(hours: float) -> bool:
    last = quality_rule().ranked_at
    if last is None:
        return Resource.objects.exists()
    return last < timezone.now() - dt.timedelta(hours=hours)


def ranking_queue(*, actor=None) -> bool:
    """Queue the ranking job unless one is already waiting; True when queued."""
    from tisheng.jobs.models import Job, JobState
    from tisheng.jobs.services import job_enqueue

    if Job.objects.filter(kind=RANK_JOB, state__in=[JobState.QUEUED, JobState.RUNNING]).exists():
        return False
    province = actor and _province_path()
    job_enqueue(actor=actor, kind=RANK_JOB, args={}, scope_path=province or "")
    return True


def _province_path() -> str:
    from tisheng.orgs.models import Region

    return Region.objects.filter(level="province").values_list("path", flat=True).first() or ""


def ranking_if_stale() -> bool:
    """For `tisheng run-periodic`: queue the ranking when the last one is older than
    RESOURCES_RANK_HOURS (default 24)."""
    from django.conf import settings

    hours = float(getattr(settings, "RESOURCES_RANK_HOURS", 24))
    return ranking_is_stale(hours) and ranking_queue()
