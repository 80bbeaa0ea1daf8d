"""Institution reads, scoped: the province office sees the rounds and applications under its
institutions.manage scope; an institution sees the rounds (public calls) and only its own
application; an assigned expert reads the application they score; anyone reads a published
result."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from tisheng.accounts.models import User
from tisheng.accounts.roles import Cap
from tisheng.institutions.models import (
    Application,
    ApplicationStatus,
    CourseRating,
    EvaluationPeriod,
    SelectionRound,
)
from tisheng.institutions.services.selection import ROUND_KEY, institution_of
from tisheng.orgs.models import Organization
from tisheng.orgs.scope import capability_paths, has_capability, path_in_scope, path_q
from tisheng.panels.selectors import expert_may_read


def office_rounds(actor: User) -> QuerySet[SelectionRound]:
    return SelectionRound.objects.filter(path_q("scope_path", capability_paths(actor, Cap.INSTITUTIONS_MANAGE))
                                         ).select_related("program", "panel")


def is_office(actor: User, selection: SelectionRound) -> bool:
    return office_rounds(actor).filter(pk=selection.pk).exists()


def round_list(actor: User) -> QuerySet[SelectionRound]:
    """An office's rounds; for an institution, every round (they are public calls)."""
    if has_capability(actor, Cap.INSTITUTIONS_MANAGE):
        return office_rounds(actor)
    if has_capability(actor, Cap.INSTITUTIONS_APPLY):
        return SelectionRound.objects.select_related("program", "panel")
    return SelectionRound.objects.none()


def get_round_for_user(actor: User, pk: int) -> SelectionRound:
    selection = round_list(actor).filter(pk=pk).first()
    if selection is None:
        raise Http404
    return selection


def own_application(actor: User, selection: SelectionRound) -> Application | None:
    institution = institution_of(actor)
    if institution is None:
        return None
    return Application.objects.filter(round=selection, institution=institution).prefetch_related("files").first()


def applications_for_office(selection: SelectionRound) -> list[Application]:
    """The round's applications with the panel's frozen result for each (`result`)."""
    applications = list(selection.applications.exclude(status=ApplicationStatus.DRAFT)
                        .select_related("institution", "decided_by").prefetch_related("files"))
    results = {}
    if selection.panel_id and selection.panel.results:
        results = {r["key"]: r for r in selection.panel.results.get("items", [])}
    for a in applications:
        a.result = results.get(f"application:{a.pk}")
    applications.sort(key=lambda a: (a.result is None or a.result.get("rank") is None,
                                     (a.result or {}).get("rank") or 0, a.institution.name))
    return applications


def get_application_for_reader(actor: User, pk: int) -> Application:
    """The application page: the office over the round, the institution itself, or an expert
    assigned to score it (without a declared conflict). Anyone else: 404."""
    application = Application.objects.select_related("round", "institution").filter(pk=pk).first()
    if application is None:
        raise Http404
    if is_office(actor, application.round):
        return application
    institution = institution_of(actor)
    if institution is not None and institution.pk == application.institution_id:
        return application
    if expert_may_read(actor, ROUND_KEY % application.round_id, f"application:{application.pk}"):
        return application
    raise Http404


def published_round(pk: int) -> SelectionRound:
    selection = SelectionRound.objects.filter(pk=pk, published_at__isnull=False).select_related("program").first()
    if selection is None:
        raise Http404
    return selection


def selected_applications(selection: SelectionRound) -> list[Application]:
    return list(selection.applications.filter(status=ApplicationStatus.SELECTED).select_related("institution")
                .order_by("institution__name"))


# --- evaluation -----------------------------------------------------------------------------

def evaluation_periods(actor: User) -> QuerySet[EvaluationPeriod]:
    """The province office's periods; for an office, evaluator or institution, the periods of
    the province above them (an institution and an office see published rankings only)."""
    from tisheng.orgs.models import Region

    if has_capability(actor, Cap.INSTITUTIONS_MANAGE):
        return EvaluationPeriod.objects.filter(path_q("scope_path", capability_paths(actor, Cap.INSTITUTIONS_MANAGE)))
    roots = set()
    for cap in (Cap.INSTITUTIONS_ASSESS, Cap.REPORTS_VIEW):
        roots |= {p.split("/")[0] for p in capability_paths(actor, cap)}
    institution = institution_of(actor)
    if institution is not None:
        roots.add(institution.path.split("/")[0])
    provinces = Region.objects.filter(path__in=roots).values("pk")
    return EvaluationPeriod.objects.filter(region__in=provinces)


def get_period_for_user(actor: User, pk: int) -> EvaluationPeriod:
    period = evaluation_periods(actor).select_related("panel", "region").filter(pk=pk).first()
    if period is None:
        raise Http404
    return period


def is_evaluation_office(actor: User, period: EvaluationPeriod) -> bool:
    return path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, period.scope_path)


def is_third_party(actor: User, period: EvaluationPeriod) -> bool:
    return path_in_scope(actor, Cap.INSTITUTIONS_ASSESS, period.scope_path)


def evaluation_view_paths(actor: User, period: EvaluationPeriod, institution: Organization) -> list[str] | None:
    """The region paths whose figures the actor reads on an institution's page: None for all
    (the province, a third-party evaluator, the institution itself), an office's own subtrees,
    or 404 when the institution does not serve the office's area at all."""
    from tisheng.learning.models import Contract

    if is_evaluation_office(actor, period) or is_third_party(actor, period):
        return None
    own = institution_of(actor)
    if own is not None and own.pk == institution.pk:
        return None
    paths = capability_paths(actor, Cap.REPORTS_VIEW)
    if not paths:
        raise Http404
    above = {"/".join(p.split("/")[:n]) for p in paths for n in range(1, p.count("/") + 1)}
    serves = Contract.objects.filter(institution=institution).filter(
        path_q("region_path", paths) | Q(region_path__in=above)).exists()
    if not serves:
        raise Http404
    return paths


def rating_comments(*, institution: Organization, year: int, scope_paths: list[str] | None,
                    limit: int = 50) -> tuple[list[dict], int]:
    """Anonymised comments (course, city, month, stars; never the teacher or school) from the
    counties with at least MIN_RATINGS_FOR_COMMENTS ratings, and how many comments were
    withheld because their county has fewer. One grouped read (each county's ratings and
    comments, one pass over the year's ratings) and one read of the newest comments, which walks
    the (institution, updated_at, id) index backwards and stops at `limit`."""
    from django.db.models.functions import Substr

    from tisheng.institutions.measures import CITY_PATH_LEN, COUNTY_PATH_LEN, year_bounds
    from tisheng.institutions.services.ratings import MIN_RATINGS_FOR_COMMENTS
    from tisheng.orgs.models import Region

    start, end = year_bounds(year)
    ratings = CourseRating.objects.filter(institution=institution, updated_at__gte=start, updated_at__lt=end)
    if scope_paths is not None:
        ratings = ratings.filter(path_q("org_path", scope_paths))
    ratings = ratings.annotate(county=Substr("org_path", 1, COUNTY_PATH_LEN))
    per_county = (ratings.values("county").order_by()
                  .annotate(n=Count("id"), comments=Count("id", filter=~Q(comment=""))))
    allowed, withheld = [], 0
    for r in per_county:
        if r["n"] >= MIN_RATINGS_FOR_COMMENTS:
            allowed.append(r["county"])
        else:
            withheld += r["comments"]
    rows = list(ratings.filter(county__in=allowed).exclude(comment="").select_related("course")
                .order_by("-updated_at", "-id")[:limit]) if allowed else []
    cities = dict(Region.objects.filter(path__in={r.org_path[:CITY_PATH_LEN] for r in rows})
                  .values_list("path", "name"))
    return [{"course": r.course.title, "city": cities.get(r.org_path[:CITY_PATH_LEN], ""),
             "month": r.updated_at, "stars": r.mean, "comment": r.comment} for r in rows], withheld
