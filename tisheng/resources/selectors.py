"""Reads of the library, scoped: a published resource is every signed-in person's to read; an
unpublished one only its contributor's, and of those whose resources.view covers its unit
(the school, the county …, whose reviewers are among them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import scope_q
from tisheng.practice.models import Grade, Review, Submission
from tisheng.resources.models import EntryState, LibraryEntry, Resource, ResourcePoint, ResourceState
from tisheng.resources.search import text_filter
from tisheng.resources.services.library import review_roots

PAGE_SIZE = 20
COUNT_LIMIT = 1000  # "more than 1,000": the exact count of a broad query is not worth its cost


def visible_resources(actor) -> QuerySet[Resource]:
    if actor is None or not actor.is_authenticated:
        return Resource.objects.none()
    return Resource.objects.filter(Q(state=ResourceState.PUBLISHED) | Q(contributor=actor)
                                   | scope_q(actor, Cap.RESOURCES_VIEW, Resource))


def resource_for_user(actor, pk: int) -> Resource:
    resource = visible_resources(actor).filter(pk=pk).select_related("region", "contributor").first()
    if resource is None:
        raise Http404
    return resource


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    stage: str = ""
    subject: str = ""
    point: str = ""
    library: str = ""  # a library's path: its published resources
    region: str = ""  # a region's path: resources contributed in it
    excellent: bool = False
    page: int = 1

    @classmethod
    def from_query(cls, params) -> Filters:
        try:
            page = max(1, min(int(params.get("page") or 1), 500))
        except ValueError:
            page = 1
        return cls(q=(params.get("q") or "").strip()[:64], kind=params.get("kind", ""),
                   stage=params.get("stage", ""), subject=(params.get("subject") or "").strip()[:32],
                   point=(params.get("point") or "").strip().upper()[:8], library=params.get("library", "")[:96],
                   region=params.get("region", "")[:96], excellent=params.get("excellent") == "1", page=page)


@dataclass
class Page:
    rows: list[Resource]
    count: int
    more: bool  # the count stopped at COUNT_LIMIT
    has_next: bool
    page: int
    filters: Filters
    extra: dict = field(default_factory=dict)


def library_search(actor, filters: Filters) -> Page:
    """Published resources matching the text and facets, best first (the quality score)."""
    qs = Resource.objects.filter(state=ResourceState.PUBLISHED)
    qs = text_filter(qs, filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.subject:
        qs = qs.filter(subject=filters.subject)
    if filters.point:
        qs = qs.filter(Exists(ResourcePoint.objects.filter(resource=OuterRef("pk"), code=filters.point)))
    if filters.library:
        qs = qs.filter(Exists(LibraryEntry.objects.filter(resource=OuterRef("pk"), library_path=filters.library,
                                                          state=EntryState.PUBLISHED)))
    if filters.region:
        qs = qs.filter(Q(org_path=filters.region) | Q(org_path__startswith=filters.region + "/"))
    if filters.excellent:
        qs = qs.filter(is_excellent=True)
    count = qs.order_by()[:COUNT_LIMIT + 1].count()
    start = (filters.page - 1) * PAGE_SIZE
    rows = list(qs.select_related("region").defer("text", "description")
                .order_by("-quality_score", "-id")[start:start + PAGE_SIZE + 1])
    return Page(rows=rows[:PAGE_SIZE], count=min(count, COUNT_LIMIT), more=count > COUNT_LIMIT,
                has_next=len(rows) > PAGE_SIZE, page=filters.page, filters=filters)


def my_resources(actor) -> QuerySet[Resource]:
    return (Resource.objects.filter(contributor=actor).defer("text")
            .prefetch_related("entries").order_by("-created_at", "-id"))


def review_queue(actor) -> QuerySet[LibraryEntry]:
    """Submissions waiting in the libraries the actor reviews, oldest first."""
    roots = review_roots(actor)
    return (LibraryEntry.objects.filter(library_path__in=roots, state=EntryState.IN_REVIEW)
            .select_related("resource", "resource__contributor", "resource__region")
            .defer("resource__text").order_by("submitted_at", "id"))


def entry_for_reviewer(actor, pk: int) -> LibraryEntry:
    entry = (LibraryEntry.objects.filter(pk=pk, library_path__in=review_roots(actor))
             .select_related("resource").first())
    if entry is None:
        raise Http404
    return entry


def contributable_evidence(actor) -> QuerySet[Submission]:
    """The teacher's current evidence files their school's team graded pass or excellent, with
    that grade, not yet contributed."""
    latest_grade = Subquery(Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM)
                            .order_by("-created_at", "-id").values("grade")[:1])
    contributed = Exists(Resource.objects.filter(source_submission=OuterRef("pk")))
    return (Submission.objects.filter(teacher__user=actor, is_current=True)
            .annotate(grade=latest_grade, contributed=contributed)
            .filter(grade__in=[Grade.EXCELLENT, Grade.PASS])
            .select_related("task", "task__point_version", "task__point_version__point")
            .defer("text").order_by("-created_at", "-id"))


def own_submission(actor, pk: int) -> Submission:
    submission = contributable_evidence(actor).filter(pk=pk).select_related("teacher", "teacher__school").first()
    if submission is None:
        raise Http404
    return submission
