"""A workshop or research community as a model site (示范性网络研修社区, the Fujian notice 二.(五),
三.(六)): registered into the model-site registry of `resources` (below this app) from
CommunitiesConfig.ready(), so resources never imports communities.

Who applies: the community's leader (坊主), a joined co-leader, its creator, or an office whose
creation scope is the community's own scope — for that community only. Its leadership (leader,
co-leaders, creator) never decides on its application (`leaders` of the registry). The
application's scope path is the community's `scope_path` (so the offices over it see it) and its
ref the community's id (many communities share a scope).

The indicators, read from the community's own data, cost a fixed sixteen small queries whatever
its size:
joined members; members active in the last 90 days (a thread, reply, design version or comment,
video comment or live attendance in one of its activities); activities held (closed and credited)
and lesson-study rounds among them (collective preparation and lesson study); posts (threads,
replies, comments on designs and videos); the share of members whose points became hours; and
the published resources its members contributed to the library.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tisheng.communities.models import (
    ActivityCredit,
    Attendance,
    DesignComment,
    DesignVersion,
    Reply,
    Thread,
    VideoComment,
    Workshop,
    WorkshopActivity,
    WorkshopMember,
)
from tisheng.communities.workshop_selectors import creation_scopes
from tisheng.resources.models import Resource, ResourceState, SiteKind
from tisheng.resources.services.sites import (
    ApplyUnit,
    Indicator,
    SiteKindSource,
    current_designation,
    current_designations,
    register_site_kind,
)

ACTIVE_DAYS = 90
LESSON_KINDS = (WorkshopActivity.Kind.LESSON_PREP, WorkshopActivity.Kind.LESSON_STUDY)

COMMUNITY_INDICATORS = [
    Indicator("members", gettext_lazy("Members"), ""),
    Indicator("active_members", gettext_lazy("Members active in the last 90 days"), ""),
    Indicator("activities_held", gettext_lazy("Activities held"), ""),
    Indicator("lesson_rounds", gettext_lazy("Lesson preparation and lesson study rounds held"), ""),
    Indicator("posts", gettext_lazy("Posts and comments"), ""),
    Indicator("hours_share", gettext_lazy("Members whose points became hours"), "%"),
    Indicator("member_resources", gettext_lazy("Published resources contributed by members"), ""),
]


def community_indicators(path: str, ref: str) -> dict[str, float | None]:
    values: dict[str, float | None] = {i.code: None for i in COMMUNITY_INDICATORS}
    try:
        workshop_id = int(ref)
    except ValueError:
        return values
    members = WorkshopMember.objects.filter(workshop_id=workshop_id, state=WorkshopMember.State.JOINED)
    member_ids = members.values("user_id")
    count = members.count()
    values["members"] = count
    since = timezone.now() - dt.timedelta(days=ACTIVE_DAYS)
    in_workshop = Q(activity__workshop_id=workshop_id, created_at__gte=since)
    active = (set(Thread.objects.filter(in_workshop).values_list("author_id", flat=True))
              | set(Reply.objects.filter(thread__activity__workshop_id=workshop_id, created_at__gte=since)
                    .values_list("author_id", flat=True))
              | set(DesignVersion.objects.filter(in_workshop).values_list("author_id", flat=True))
              | set(DesignComment.objects.filter(in_workshop).values_list("author_id", flat=True))
              | set(VideoComment.objects.filter(in_workshop).values_list("author_id", flat=True))
              | set(Attendance.objects.filter(in_workshop).values_list("user_id", flat=True)))
    values["active_members"] = members.filter(user_id__in=active).count() if active else 0
    held = WorkshopActivity.objects.filter(workshop_id=workshop_id, credited_at__isnull=False)
    values["activities_held"] = held.count()
    values["lesson_rounds"] = held.filter(kind__in=LESSON_KINDS).count()
    values["posts"] = (Thread.objects.filter(activity__workshop_id=workshop_id, hidden_reason="").count()
                       + Reply.objects.filter(thread__activity__workshop_id=workshop_id, hidden_reason="").count()
                       + DesignComment.objects.filter(activity__workshop_id=workshop_id).count()
                       + VideoComment.objects.filter(activity__workshop_id=workshop_id).count())
    credited = (ActivityCredit.objects.filter(activity__workshop_id=workshop_id, hours__gt=0, user_id__in=member_ids)
                .values("user_id").distinct().count())
    values["hours_share"] = round(100 * credited / count, 1) if count else None
    values["member_resources"] = Resource.objects.filter(contributor_id__in=member_ids,
                                                         state=ResourceState.PUBLISHED).count()
    return values


def _co_led_by(actor) -> Q:
    """The communities where the actor is a joined co-leader (a member made leader)."""
    return Q(pk__in=WorkshopMember.objects.filter(user=actor, role=WorkshopMember.Role.LEADER,
                                                  state=WorkshopMember.State.JOINED).values("workshop_id"))


def community_units(actor) -> list[ApplyUnit]:
    """The communities the actor may apply for: those they lead (坊主 or a joined co-leader) or
    created, and those whose scope is one of the actor's own creation scopes (the office or
    college that owns them)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    owned = [path for path, _name in creation_scopes(actor)]
    workshops = (Workshop.objects.filter(Q(leader=actor) | Q(created_by=actor) | _co_led_by(actor)
                                         | Q(scope_path__in=owned))
                 .order_by("name", "id").values_list("pk", "name", "scope_path"))
    return [ApplyUnit(SiteKind.COMMUNITY, scope_path, name, str(pk)) for pk, name, scope_path in workshops]


def community_leaders(path: str, ref: str) -> set[int]:
    """The community's leadership, who may not decide on its application: its leader (坊主), its
    creator and its joined co-leaders (two queries)."""
    if not ref.isdigit():
        return set()
    ids = set(WorkshopMember.objects.filter(workshop_id=int(ref), role=WorkshopMember.Role.LEADER,
                                            state=WorkshopMember.State.JOINED).values_list("user_id", flat=True))
    for leader_id, creator_id in Workshop.objects.filter(pk=int(ref)).values_list("leader_id", "created_by_id"):
        ids |= {leader_id, creator_id} - {None}
    return ids


def community_url(path: str, ref: str) -> str:
    return reverse("communities:workshop_detail", args=[int(ref)]) if ref.isdigit() else ""


def designation_of(workshop: Workshop):
    """The community's current designation (a SiteApplication), or None: one query."""
    return current_designation(SiteKind.COMMUNITY, workshop.scope_path, str(workshop.pk))


def designated_ids() -> set[int]:
    """Ids of the communities designated today (one query, for marking them in a list)."""
    refs = current_designations().filter(kind=SiteKind.COMMUNITY).values_list("unit_ref", flat=True)
    return {int(ref) for ref in refs if ref.isdigit()}


def apply_url(workshop: Workshop) -> str:
    return reverse("resources:site_apply") + f"?unit={SiteKind.COMMUNITY}:{workshop.pk}"


def register() -> None:
    register_site_kind(SiteKindSource(SiteKind.COMMUNITY, COMMUNITY_INDICATORS, community_indicators,
                                      community_units, community_url, leaders=community_leaders))
