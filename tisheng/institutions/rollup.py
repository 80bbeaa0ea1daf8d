"""The daily roll-up of the institutions' objective measures (models.InstitutionMeasures).

`measures()` scans the year's selections, ledger credits, xAPI outcomes, ratings and spot checks:
about 0.8 s for an institution with 20,000 learners on PostgreSQL, too slow for a page the
province opens often (the issue asks 300 ms). The figures are an evaluation's, read by the
year: a day's delay is what 考评 needs (the dashboards' roll-ups do the same), so run-periodic
recomputes them once a day for the years still being evaluated (a period not published, and the
current year), one institution at a time, and the pages read those rows (one query) with the
time they were computed. A scoped office (a city's, a county's) still gets live figures of its
own area: those read only its teachers' rows. Publishing a ranking reads live figures too.

    measures_refresh(...)       recompute (run-periodic: `institution_measures_refresh_due`)
    rolled_up(ids, year, by)    the rows as measures() returns them, or None when missing
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tisheng.institutions.measures import TOTAL, Measures, measures
from tisheng.institutions.models import EvaluationPeriod, InstitutionMeasures
from tisheng.learning.models import Contract
from tisheng.orgs.models import Organization

FIELDS = ("selections", "completed", "median_days", "hours", "statements", "rejected", "sso_failures", "ratings",
          "complaints", "spot_failures", "stars")


def _years(today: dt.date) -> list[int]:
    open_years = set(EvaluationPeriod.objects.filter(published_at__isnull=True).values_list("year", flat=True))
    return sorted(open_years | {today.year})


def _institutions() -> list[int]:
    contracted = Contract.objects.values("institution_id")
    return list(Organization.objects.filter(kind="institution", pk__in=contracted).order_by("pk")
                .values_list("pk", flat=True))


def measures_refresh(*, institution_ids: list[int] | None = None, years: list[int] | None = None) -> int:
    """Recompute the rows of these institutions and years (default: every contracted institution,
    the years being evaluated); returns how many (institution, year) were written."""
    now = timezone.now()
    years = years or _years(timezone.localdate())
    ids = institution_ids if institution_ids is not None else _institutions()
    done = 0
    for year in years:
        for pk in ids:
            figures = measures(institution_ids=[pk], year=year, by="city")
            rows = [InstitutionMeasures(institution_id=pk, year=year, key=key, computed_at=now,
                                        **{f: getattr(m, f) for f in FIELDS}) for key, m in figures.items()]
            with transaction.atomic():
                InstitutionMeasures.objects.filter(institution_id=pk, year=year).delete()
                InstitutionMeasures.objects.bulk_create(rows)
            done += 1
    return done


def institution_measures_refresh_due() -> int:
    """For run-periodic: recompute once a day (two small queries when today's are done)."""
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    years = _years(today)
    latest = InstitutionMeasures.objects.filter(year__in=years).aggregate(at=Max("computed_at"))["at"]
    if latest is not None and latest >= start:
        return 0
    return measures_refresh(years=years)


def _as_measures(row: InstitutionMeasures) -> Measures:
    m = Measures(**{f: getattr(row, f) for f in FIELDS})
    m.hours = Decimal(m.hours)
    return m


def rolled_up(institution_ids: list[int], year: int, by: str = "city") -> tuple[dict, dt.datetime] | None:
    """measures()'s answer from the roll-up — by city for one institution ({city path: Measures,
    TOTAL: …}), or by institution ({id: its TOTAL}) — and when it was computed; None when any
    institution asked for has no rows for the year (then the caller computes live)."""
    rows = list(InstitutionMeasures.objects.filter(institution_id__in=institution_ids, year=year,
                                                   **({} if by == "city" else {"key": TOTAL})))
    if {r.institution_id for r in rows} != set(institution_ids) or not rows:
        return None
    at = min(r.computed_at for r in rows)
    if by == "city":
        return {r.key: _as_measures(r) for r in rows}, at
    return {r.institution_id: _as_measures(r) for r in rows}, at
