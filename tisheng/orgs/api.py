"""Regions and schools over JSON, scoped like every other read (`orgs.view`).

Also the page-number pagination every list of the API uses: `page` (at most 1,000,000) and
`page_size` (at most 200) in, `count` (exact), `page`, `page_size` and `items` out.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PaginationBase, paginate

from tisheng.accounts.roles import Cap
from tisheng.orgs import selectors
from tisheng.orgs.models import Region, RegionLevel, School, Stage
from tisheng.orgs.scope import get_object_for_user, has_capability, scope_filter

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# A page past the last is an empty page; a number no list can reach (the province has well under
# a million of anything per page of one) is a malformed parameter, answered 422 like `page=0`,
# not clamped: a clamped page would be rows the client did not ask for under a number it did not
# send, and unbounded, `page=2**64` overflowed the database's OFFSET (a 500).
MAX_PAGE = 1_000_000

router = Router()


class PageNumber(PaginationBase):
    """`?page=&page_size=`; the count is exact (one COUNT over the same filtered query)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
        page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="rows per page (max 200)")

    class Output(Schema):
        count: int
        page: int
        page_size: int
        items: list[Any]

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "items": list(queryset[offset : offset + pagination.page_size]),
        }


def require_capability(request: HttpRequest, capability: str) -> None:
    """403 when no role of the caller grants `capability` anywhere: the answer does not
    depend on which object was asked for, so it reveals nothing about what exists."""
    if not has_capability(request.user, capability):
        raise PermissionDenied


class RegionOut(Schema):
    code: str
    name: str
    level: RegionLevel
    parent: str | None = Field(None, description="the parent region's division code")
    path: str

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id else None


class TreeChildOut(Schema):
    kind: str = Field(description='"city", "county" or "school"')
    code: str
    name: str
    school_count: int
    teacher_count: int


class RegionDetailOut(RegionOut):
    children: list[TreeChildOut] = Field(description="the children the caller may view, with their totals")


class RegionFilters(Schema):
    level: RegionLevel | None = None
    parent: str | None = Field(None, description="division code of the parent region")


class CountyOut(Schema):
    code: str
    name: str


class SchoolOut(Schema):
    code: str
    name: str
    stage: Stage
    county: CountyOut
    is_rural: bool
    environment: str
    is_deep_poverty_area: bool
    is_demonstration: bool
    teacher_count: int


class SchoolFilters(Schema):
    region: str | None = Field(None, description="division code of a city or county: schools at or below it")
    stage: Stage | None = None
    q: str = Field("", description="part of the name, or the exact school code")


@router.get("/regions", response=list[RegionOut], summary="Regions the caller may view")
@paginate(PageNumber)
def region_list(request: HttpRequest, filters: Query[RegionFilters]):
    require_capability(request, Cap.ORGS_VIEW)
    qs = scope_filter(Region.objects.select_related("parent"), request.user, Cap.ORGS_VIEW)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return qs.order_by("path")


@router.get("/regions/{code}", response=RegionDetailOut, summary="One region with its children")
def region_detail(request: HttpRequest, code: str):
    require_capability(request, Cap.ORGS_VIEW)
    region = get_object_for_user(request.user, Region.objects.select_related("parent"), Cap.ORGS_VIEW, code=code)
    children = [
        {"kind": e.kind, "code": e.code, "name": e.name, "school_count": e.school_count,
         "teacher_count": e.teacher_count}
        for e in selectors.tree_children(request.user, region)
    ]
    return {**RegionOut.from_orm(region).model_dump(), "children": children}


@router.get("/schools", response=list[SchoolOut], summary="Schools the caller may view")
@paginate(PageNumber)
def school_list(request: HttpRequest, filters: Query[SchoolFilters]):
    require_capability(request, Cap.ORGS_VIEW)
    return selectors.school_list(request.user, {"q": filters.q, "region": filters.region, "stage": filters.stage})


@router.get("/schools/{code}", response=SchoolOut, summary="One school")
def school_detail(request: HttpRequest, code: str):
    require_capability(request, Cap.ORGS_VIEW)
    return get_object_for_user(request.user, School.objects.select_related("county"), Cap.ORGS_VIEW, code=code)
