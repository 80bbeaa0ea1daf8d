"""Where a county's spot-check reviewers come from, besides the teacher college serving it.

Issue 17: "a trainer pool per county that institutions and colleges draw tutors and reviewers
from". The pool lives in `tisheng.tracks`, above practice, so practice does not import it: tracks
registers a source at start-up (`register_reviewer_source`), a function giving the users of a
county's pool as a queryset; `pool_reviewers(region)` reads every source (one query each).

A pool trainer is a teacher: the teacher role grants no review. When the county office assigns
them items, `grant_pool_reviewer` gives them the expert role (专家) over the county, time-limited
as every expert's grant is (REVIEW_GRANT_DAYS from the last assignment, extended and never
shortened, the way an expert panel extends it), which holds the capability to review spot checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone

from tisheng.accounts.models import AuditAction, RoleAssignment, User
from tisheng.accounts.roles import Role
from tisheng.accounts.services import audit
from tisheng.orgs.models import Region
from tisheng.orgs.scope import forget_grants

REVIEW_GRANT_DAYS = 180

ReviewerSource = Callable[[Region], QuerySet[User]]
_SOURCES: dict[str, ReviewerSource] = {}


def register_reviewer_source(key: str, source: ReviewerSource) -> None:
    """`source(county)`: the users of the county's pool (active accounts), as a queryset."""
    _SOURCES[key] = source


def pool_reviewers(region: Region) -> list[User]:
    """The pool's users for the county, by name, once each."""
    found: dict[int, User] = {}
    for source in _SOURCES.values():
        for user in source(region):
            found.setdefault(user.pk, user)
    return sorted(found.values(), key=lambda u: (u.name, u.pk))


def grant_pool_reviewer(*, actor: User, user: User, region: Region) -> RoleAssignment:
    """The expert role over the county until REVIEW_GRANT_DAYS from now (audited when new)."""
    until = timezone.now() + dt.timedelta(days=REVIEW_GRANT_DAYS)
    grant, created = RoleAssignment.objects.get_or_create(
        user=user, role=Role.EXPERT, region=region, defaults={"granted_by": actor, "expires_at": until})
    if not created and grant.expires_at is not None and grant.expires_at < until:
        grant.expires_at, grant.granted_by, grant.granted_at = until, actor, timezone.now()
        grant.save(update_fields=["expires_at", "granted_by", "granted_at"])
    if created:
        audit(actor=actor, action=AuditAction.ROLE_GRANTED, object_type="user", object_id=str(user.pk),
              scope_path=region.path, role=Role.EXPERT, node=region.code, reason="spot_check_pool")
    forget_grants(user)
    return grant
