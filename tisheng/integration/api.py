"""The integration API for institutions' platforms, at /api/v1/integration/.

Authenticated like the LRS (HTTP Basic key/secret or an OAuth2 client-credentials bearer
token) and rate limited per credential (429 with Retry-After). An institution reads only its
own data: the teachers enrolled in the regions it is contracted for, and its own outcomes.
Paging is by keyset: pass the `next_after` of a page as `after` to get the next one."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.security.base import AuthBase

from tisheng.integration import selectors
from tisheng.integration.auth import XapiClient, xapi_authenticate, xapi_throttle
from tisheng.integration.hooks import reason_message

TOO_MANY_REQUESTS = _("Too many requests for this credential; retry after the time in Retry-After.")
MAX_LIMIT = 1000


class InstitutionAuth(AuthBase):
    """Basic or Bearer, as the LRS accepts them (ninja calls it; None means 401)."""

    openapi_type = "http"
    openapi_scheme = "basic"

    def __call__(self, request: HttpRequest) -> XapiClient | None:
        return xapi_authenticate(request)


router = Router(auth=InstitutionAuth(), tags=["integration"])


def _throttled(request: HttpRequest) -> JsonResponse | None:
    retry = xapi_throttle(request.auth)
    if retry is None:
        return None
    response = JsonResponse({"detail": str(TOO_MANY_REQUESTS)}, status=429)
    response["Retry-After"] = str(retry)
    return response


class Paging(Schema):
    since: dt.datetime | None = Field(None, description="only rows changed at or after this time (ISO 8601)")
    after: int = Field(0, ge=0, description="the next_after of the previous page")
    limit: int = Field(200, ge=1, le=MAX_LIMIT)


class RosterFilters(Paging):
    program: str = Field("", description="a program code, e.g. tisheng-2")


class RosterRow(Schema):
    platform_id: str = Field(description="the xAPI account name and OpenID sub of this teacher")
    name: str
    national_id_masked: str
    school_code: str
    school_name: str
    stage: str
    subject: str
    status: str
    program: str
    enrollment_state: str
    updated_at: dt.datetime


class RosterPage(Schema):
    items: list[RosterRow]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


class OutcomeFilters(Paging):
    include_credited: bool = Field(False, description="also list statements that credited hours")


class OutcomeRow(Schema):
    statement_id: str
    stored: dt.datetime
    verb: str
    activity_id: str
    actor_name: str
    credited_hours: str
    voided: bool
    reason: str = Field(description="empty when the statement credited hours")
    message: str


class OutcomePage(Schema):
    items: list[OutcomeRow]
    next_after: int | None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


@router.get("/roster", response=RosterPage, summary="Teachers enrolled in the institution's contracted regions")
def roster(request: HttpRequest, filters: Query[RosterFilters]):
    if (limited := _throttled(request)) is not None:
        return limited
    rows, next_after = selectors.roster_rows(request.auth.institution_id, program_code=filters.program,
                                             since=_aware(filters.since), after=filters.after, limit=filters.limit)
    return {"items": rows, "next_after": next_after}


@router.get("/outcomes", response=OutcomePage, summary="Completion statements that credited nothing, and why")
def outcomes(request: HttpRequest, filters: Query[OutcomeFilters]):
    if (limited := _throttled(request)) is not None:
        return limited
    rows = list(selectors.outcomes_for_institution(request.auth.institution_id, since=_aware(filters.since),
                                                   after=filters.after,
                                                   rejected_only=not filters.include_credited)[:filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[:filters.limit]
    return {
        "items": [{
            "statement_id": o.statement_id, "stored": o.stored_at, "verb": o.verb, "activity_id": o.activity_id,
            "actor_name": o.actor_name, "credited_hours": str(o.hours if o.credited else 0),
            "voided": o.voided_at is not None, "reason": o.reason,
            "message": reason_message(o.reason) if o.reason else "",
        } for o in rows],
        "next_after": rows[-1].pk if more else None,
    }
