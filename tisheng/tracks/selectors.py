"""Reads for tracks, scoped to the actor.

A track is visible to the offices at or above its runner (`run_by_path` in their subtree), to
the offices and schools below it that nominate into it (the runner's path is an ancestor of
theirs), and to a teacher nominated for it. Nominations follow the one scope filter on the
nominee's `org_path`, so an office of another county sees none of this county's people.
The track page costs a fixed number of queries whatever the number of units or nominees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import NOTHING, capability_paths, grants_for, path_q, scope_filter
from tisheng.people.choices import TeacherStatus
from tisheng.people.models import Teacher
from tisheng.tracks.models import Nomination, ParticipantRule, Track
from tisheng.tracks.services import school_leader_user_ids, unit_targets

if TYPE_CHECKING:
    from tisheng.accounts.models import User


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def track_list(actor: User) -> QuerySet[Track]:
    q = NOTHING
    for p in capability_paths(actor, Cap.TRACKS_VIEW):
        q |= path_q("run_by_path", [p]) | Q(run_by_path__in=_ancestors(p))
    if any(g.self_only and Cap.TRACKS_VIEW in ROLE_CAPABILITIES.get(g.role, ()) for g in grants_for(actor)):
        q |= Q(Exists(Nomination.objects.filter(track=OuterRef("pk"), teacher__user=actor)))
    return Track.objects.filter(q).select_related("program", "run_by").order_by("-program__start_date", "run_by_path",
                                                                                "pk")


def get_track_for_user(actor: User, pk: int) -> Track:
    track = track_list(actor).filter(pk=pk).first()
    if track is None:
        raise Http404
    return track


def can_run(actor: User, track: Track) -> bool:
    return any(track.run_by_path == r or track.run_by_path.startswith(r + "/")
               for r in capability_paths(actor, Cap.TRACKS_MANAGE))


def nomination_list(actor: User, track: Track) -> QuerySet[Nomination]:
    return scope_filter(Nomination.objects.filter(track=track), actor, Cap.TRACKS_VIEW).select_related(
        "teacher", "school", "nominated_by", "decided_by").order_by("state", "org_path", "teacher__name", "pk")


@dataclass
class UnitRow:
    path: str
    name: str
    target: int | None  # None: no quota set, not limited
    nominated: int
    selected: int

    @property
    def gap(self) -> int | None:
        return None if self.target is None else max(self.target - self.selected, 0)


def quota_rows(actor: User, track: Track) -> list[UnitRow]:
    """Each subunit the actor sees: its places (target), the nominations waiting, those
    selected (actual) and the places left (gap). Three queries."""
    if track.run_by.level == RegionLevel.COUNTY:
        units = School.objects.filter(county__path=track.run_by_path)
    else:
        child = {RegionLevel.PROVINCE: RegionLevel.CITY, RegionLevel.CITY: RegionLevel.COUNTY}[track.run_by.level]
        units = Region.objects.filter(parent__path=track.run_by_path, level=child)
    paths = capability_paths(actor, Cap.TRACKS_VIEW)
    # An office sees every unit of its area; a unit inside a wider track sees its own row.
    units = units.filter(path_q("path", paths) | Q(path__in=[a for p in paths for a in _ancestors(p)])
                         | Q(path__in=paths)) if paths else units.none()
    units = list(units.order_by("path").values_list("path", "name"))
    targets = unit_targets(track)
    counts: dict[tuple[str, str], int] = {
        (u, s): n for u, s, n in Nomination.objects.filter(track=track, unit_path__in=[u for u, _n in units])
        .order_by().values_list("unit_path", "state").annotate(n=Count("pk"))}
    return [UnitRow(path=u, name=name, target=targets.get(u), selected=counts.get((u, Nomination.State.SELECTED), 0),
                    nominated=counts.get((u, Nomination.State.NOMINATED), 0)) for u, name in units]


def nominating_schools(actor: User, track: Track) -> QuerySet[School]:
    """Schools inside the track's area whose people the actor may nominate."""
    return scope_filter(School.objects.filter(path_q("path", [track.run_by_path])), actor,
                        Cap.TRACKS_NOMINATE).order_by("path")


def nominable_teachers(actor: User, track: Track, school: School) -> list[Teacher]:
    """The school's active teachers the actor may nominate and who are not nominated yet (a
    withdrawn nomination may be made again); for a school-leaders track, only its leaders."""
    qs = scope_filter(Teacher.objects.filter(school=school, status=TeacherStatus.ACTIVE), actor,
                      Cap.TRACKS_NOMINATE).exclude(
        Exists(Nomination.objects.filter(track=track, teacher=OuterRef("pk")).exclude(
            state=Nomination.State.WITHDRAWN)))
    if track.participant_rule == ParticipantRule.SCHOOL_LEADERS:
        qs = qs.filter(user_id__in=school_leader_user_ids([school.pk]))
    return list(qs.order_by("name", "pk")[:500])


def my_nominations(actor: User) -> QuerySet[Nomination]:
    return Nomination.objects.filter(teacher__user=actor).select_related("track__program", "track__run_by").order_by(
        "-nominated_at")
