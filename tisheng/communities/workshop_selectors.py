"""Reads of workshops, always scoped to the actor.

Who sees a workshop: its members (joined or invited), its leader and creator, offices whose area
holds the workshop's scope (COMMUNITIES_OVERSEE), and — for an open workshop — every teacher whose
school lies inside its scope (so they can find and join it). One Q for all of them; anything
else 404s. A participant's points in an activity are a handful of grouped COUNTs (one per kind
of action), whatever the number of members."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.communities.models import (
    ActivityCredit,
    Attendance,
    DesignComment,
    DesignVersion,
    HoursRule,
    Reply,
    Thread,
    VideoComment,
    Workshop,
    WorkshopActivity,
    WorkshopMember,
)
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import NOTHING, capability_paths, grants_for, path_q

TENTH = Decimal("0.1")


def ancestors(path: str) -> list[str]:
    """"35/3501/350102/x" → ["35", "35/3501", "35/3501/350102", "35/3501/350102/x"]."""
    parts = path.split("/") if path else []
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _teacher_of(actor):
    try:
        return actor.teacher
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: the user is no teacher
        return None


def visible_q(actor) -> Q:
    if actor is None or not getattr(actor, "is_authenticated", False) or not grants_for(actor):
        return NOTHING
    q = Q(Exists(WorkshopMember.objects.filter(workshop=OuterRef("pk"), user=actor)))
    q |= Q(leader=actor) | Q(created_by=actor)
    q |= path_q("scope_path", capability_paths(actor, Cap.COMMUNITIES_OVERSEE))
    teacher = _teacher_of(actor)
    if teacher is not None and teacher.status == "active":
        q |= Q(access=Workshop.Access.OPEN, scope_path__in=ancestors(teacher.org_path))
    return q


def workshops_for(actor) -> QuerySet[Workshop]:
    mine = WorkshopMember.objects.filter(workshop=OuterRef("pk"), user=actor)
    return (Workshop.objects.filter(visible_q(actor)).select_related("program", "leader")
            .annotate(member_count=Count("members", filter=Q(members__state="joined"), distinct=True),
                      activity_count=Count("activities", distinct=True),
                      my_state=mine.values("state")[:1])
            .order_by("-created_at", "-id"))


def get_workshop_for_user(actor, pk: int) -> Workshop:
    workshop = Workshop.objects.filter(visible_q(actor), pk=pk).select_related("program", "leader").first()
    if workshop is None:
        raise Http404
    return workshop


def membership(actor, workshop: Workshop) -> WorkshopMember | None:
    return WorkshopMember.objects.filter(workshop=workshop, user=actor).first()


def can_lead(actor, workshop: Workshop, member: WorkshopMember | None = None) -> bool:
    """The leader (坊主), the creator, and members made co-leaders run the workshop."""
    if actor.pk in (workshop.leader_id, workshop.created_by_id):
        return True
    member = member if member is not None else membership(actor, workshop)
    return bool(member and member.state == "joined" and member.role == WorkshopMember.Role.LEADER)


def can_take_part(actor, workshop: Workshop, member: WorkshopMember | None = None) -> bool:
    """Post, comment, save the design: joined members and the leaders."""
    member = member if member is not None else membership(actor, workshop)
    return bool(member and member.state == "joined") or can_lead(actor, workshop, member)


def can_join(actor, workshop: Workshop, member: WorkshopMember | None = None) -> bool:
    """An open workshop's teacher inside its scope, or anyone invited, who has not joined yet."""
    if member is not None:
        return member.state == WorkshopMember.State.INVITED
    teacher = _teacher_of(actor)
    return (workshop.access == Workshop.Access.OPEN and teacher is not None
            and workshop.scope_path in ancestors(teacher.org_path))


def creation_scopes(actor) -> list[tuple[str, str]]:
    """(path, name) of the subtrees where the actor may create workshops."""
    paths = capability_paths(actor, Cap.COMMUNITIES_WORKSHOPS_CREATE)
    names = dict(Region.objects.filter(path__in=paths).values_list("path", "name"))
    names.update(School.objects.filter(path__in=paths).values_list("path", "name"))
    return [(p, names.get(p, p)) for p in paths]


def workshop_people(workshop_id: int) -> dict[str, int]:
    """Name → user id of the joined members and the leader (for @mentions)."""
    people = dict(WorkshopMember.objects.filter(workshop_id=workshop_id, state="joined")
                  .values_list("user__name", "user_id"))
    people.update(Workshop.objects.filter(pk=workshop_id).values_list("leader__name", "leader_id"))
    return people


def members_of(workshop: Workshop) -> list[WorkshopMember]:
    return list(WorkshopMember.objects.filter(workshop=workshop).select_related("user", "user__teacher__school")
                .order_by("-role", "state", "user__name", "id"))


def activities_of(workshop: Workshop) -> QuerySet[WorkshopActivity]:
    return (WorkshopActivity.objects.filter(workshop=workshop)
            .annotate(thread_count=Count("threads", distinct=True))
            .order_by("-created_at", "-id"))


def get_activity_for_user(actor, pk: int) -> WorkshopActivity:
    activity = WorkshopActivity.objects.filter(pk=pk).first()
    if activity is None:
        raise Http404
    activity.workshop = get_workshop_for_user(actor, activity.workshop_id)
    return activity


# Points ------------------------------------------------------------------------------------


def hours_rule(program) -> HoursRule:
    """The program's rule, or the defaults until the province sets one."""
    rule = HoursRule.objects.filter(program=program).first() or HoursRule(program=program)
    rule.workshop_cap = Decimal(str(rule.workshop_cap))
    rule.assignment_cap = Decimal(str(rule.assignment_cap))
    return rule


def activity_counts(activity: WorkshopActivity) -> dict[int, dict[str, int]]:
    """User id → how many of each action they did in the activity (visible posts only)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(HoursRule.POINT_ACTIONS, 0))

    def add(rows, action: str) -> None:
        for user_id, n in rows:
            counts[user_id][action] += n

    threads = Thread.objects.filter(activity=activity, hidden_reason="")
    replies = Reply.objects.filter(thread__activity=activity, thread__hidden_reason="", hidden_reason="")
    add(threads.values("author").annotate(n=Count("id")).values_list("author", "n"), "post")
    add(threads.filter(featured=True).values("author").annotate(n=Count("id")).values_list("author", "n"), "featured")
    add(replies.values("author").annotate(n=Count("id")).values_list("author", "n"), "reply")
    add(replies.filter(featured=True).values("author").annotate(n=Count("id")).values_list("author", "n"),
        "featured")
    add(DesignVersion.objects.filter(activity=activity).values("author").annotate(n=Count("id"))
        .values_list("author", "n"), "design")
    add(DesignComment.objects.filter(activity=activity).values("author").annotate(n=Count("id"))
        .values_list("author", "n"), "reply")
    video = VideoComment.objects.filter(activity=activity)
    add(video.values("author").annotate(n=Count("id")).values_list("author", "n"), "reply")
    add(video.filter(featured=True).values("author").annotate(n=Count("id")).values_list("author", "n"), "featured")
    add(Attendance.objects.filter(activity=activity).values("user").annotate(n=Count("id"))
        .values_list("user", "n"), "attendance")
    return dict(counts)


def points_of(counts: dict[str, int], rule: HoursRule) -> int:
    return sum(n * rule.points_for(action) for action, n in counts.items())


def hours_for_points(points: int, rule: HoursRule) -> Decimal:
    """Points → hours at the rule's rate, rounded down to a tenth (never more than earned)."""
    if points <= 0 or rule.points_per_hour <= 0:
        return Decimal(0)
    return (Decimal(points) / Decimal(rule.points_per_hour)).quantize(TENTH, rounding=ROUND_DOWN)


def workshop_hours_credited(user_id: int, program_id: int) -> Decimal:
    """Hours the user's workshop activities in the program have credited (for the cap)."""
    total = ActivityCredit.objects.filter(user_id=user_id, activity__workshop__program_id=program_id,
                                          ledger_entry__isnull=False).aggregate(h=Sum("hours"))["h"]
    return Decimal(total or 0)


def my_credits(actor, workshop: Workshop) -> list[ActivityCredit]:
    return list(ActivityCredit.objects.filter(user=actor, activity__workshop=workshop)
                .select_related("activity").order_by("-activity__credited_at", "-id"))
