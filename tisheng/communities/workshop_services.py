"""Writes of workshops: creating one within the creator's scope, joining and inviting, the
activities (topic discussion, collective lesson preparation, lesson study, live session) and
what members do in them, and closing an activity: each participant's points become hours by the
program's HoursRule, under its cap for workshops, credited to the ledger once per activity and
teacher (the ledger's idempotency key is `workshop activity id`; the activity is claimed with a
conditional UPDATE so two leaders closing it at once credit it once). Every decision is audited;
the people it concerns are told."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.communities import workshop_selectors as ws
from tisheng.communities.discussion import mentioned
from tisheng.communities.models import (
    DESIGN_SECTIONS,
    ActivityCredit,
    Attendance,
    DesignComment,
    DesignVersion,
    VideoComment,
    Workshop,
    WorkshopActivity,
    WorkshopMember,
)
from tisheng.ledger.services import ledger_credit
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.scope import path_q
from tisheng.programs.models import Enrollment

SOURCE_KIND = "communities.workshop"
NAME_REQUIRED = _("Give the workshop a name.")
SCOPE_NOT_YOURS = _("You may create workshops only within your own area.")
LEADER_UNKNOWN = _("No teacher with this phone number in the workshop's area.")
PROGRAM_REQUIRED = _("Choose the program whose hours the workshop credits.")
NOT_JOINABLE = _("This workshop takes members by invitation only.")
ALREADY_MEMBER = _("You are already a member of this workshop.")
INVITE_EMPTY = _("Give one or more phone numbers, one a line.")
TITLE_REQUIRED = _("Give the activity a title.")
KIND_UNKNOWN = _("Choose what kind of activity it is.")
LINK_INVALID = _("Give a web address that starts with http:// or https://.")
VIDEO_REQUIRED = _("A lesson study needs the address of the lesson video.")
START_REQUIRED = _("A live session needs its start time.")
NOT_A_PARTICIPANT = _("Only the workshop's members take part in its activities.")
ACTIVITY_CLOSED = _("This activity has been closed and its hours credited; it takes no more posts.")
DESIGN_EMPTY = _("Write at least one part of the lesson design.")
DESIGN_STALE = _("Someone saved version %(number)s while you were editing. Your text is kept below: "
                 "compare it with the latest version and save again.")
DESIGN_TOO_LONG = _("Each part of the design may be at most 5,000 characters.")
COMMENT_REQUIRED = _("Write your comment first.")
SECTION_UNKNOWN = _("Choose a part of the lesson design.")
TIME_INVALID = _("Give the time in the video as minutes:seconds, for example 12:30.")
WRONG_KIND = _("This activity is of another kind.")
ALREADY_CLOSED = _("This activity was closed before; its hours were credited then.")
SECTION_MAX = 5000
PHONE = re.compile(r"1\d{10}")


def _url(obj) -> str:
    if isinstance(obj, Workshop):
        return reverse("communities:workshop_detail", args=[obj.pk])
    return reverse("communities:activity_detail", args=[obj.pk])


def _check_url(value: str, *, required_error=None) -> str:
    value = (value or "").strip()
    if not value:
        if required_error is not None:
            raise ValidationError(required_error)
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(LINK_INVALID) from None
    if len(value) > 500:
        raise ValidationError(LINK_INVALID)
    return value


def _teachers_by_phone(phones: list[str], scope_path: str):
    """Users with an active teacher profile at or below `scope_path`, by phone."""
    return {u.phone: u for u in get_user_model().objects.filter(
        path_q("teacher__org_path", [scope_path]), phone__in=phones, teacher__status="active")
        .select_related("teacher")}


@transaction.atomic
def workshop_create(*, actor, name: str, program, scope_path: str, kind: str = Workshop.Kind.WORKSHOP,
                    access: str = Workshop.Access.OPEN, description: str = "", leader_phone: str = "") -> Workshop:
    """A workshop in one of the actor's creation scopes; its leader (坊主) is the actor, or the
    teacher of the area whose phone is given (an office designating a master teacher)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(NAME_REQUIRED)
    if program is None:
        raise ValidationError(PROGRAM_REQUIRED)
    scopes = dict(ws.creation_scopes(actor))
    if scope_path not in scopes:
        raise ValidationError(SCOPE_NOT_YOURS)
    leader = actor
    leader_phone = (leader_phone or "").strip()
    if leader_phone:
        leader = _teachers_by_phone([leader_phone], scope_path).get(leader_phone)
        if leader is None:
            raise ValidationError(LEADER_UNKNOWN)
    workshop = Workshop(name=name[:64], kind=kind, access=access, description=(description or "").strip(),
                        program=program, scope_path=scope_path, scope_name=scopes[scope_path][:64], leader=leader,
                        created_by=actor)
    workshop.full_clean(exclude=["created_by"])
    workshop.save()
    WorkshopMember.objects.create(workshop=workshop, user=leader, role=WorkshopMember.Role.LEADER,
                                  state=WorkshopMember.State.JOINED, joined_at=timezone.now(), invited_by=actor)
    audit(actor=actor, action="communities.workshop_create", obj=workshop, name=workshop.name,
          leader=leader.pk, access=access)
    if leader.pk != actor.pk:
        notify_many([Message(to=leader, kind=Kind.OTHER, title=f"您已被指定为“{workshop.name}”的坊主",
                             body=f"{actor.name}创建了{workshop.get_kind_display()}“{workshop.name}”，请您主持。",
                             url=_url(workshop))])
    return workshop


@transaction.atomic
def workshop_join(*, actor, workshop: Workshop) -> WorkshopMember:
    """Join an open workshop of one's area, or accept an invitation."""
    member = WorkshopMember.objects.select_for_update().filter(workshop=workshop, user=actor).first()
    if member is not None and member.state == WorkshopMember.State.JOINED:
        raise ValidationError(ALREADY_MEMBER)
    if not ws.can_join(actor, workshop, member):
        raise ValidationError(NOT_JOINABLE)
    member = member or WorkshopMember(workshop=workshop, user=actor)
    member.state, member.joined_at = WorkshopMember.State.JOINED, timezone.now()
    member.save()
    audit(actor=actor, action="communities.workshop_join", obj=workshop, name=workshop.name)
    return member


@transaction.atomic
def members_invite(*, actor, workshop: Workshop, phones_text: str) -> tuple[int, list[str]]:
    """Invite teachers of the workshop's area by phone (one a line, or separated by commas).
    Returns how many were invited and the numbers that name no teacher there."""
    phones = list(dict.fromkeys(PHONE.findall(phones_text or "")))
    if not phones:
        raise ValidationError(INVITE_EMPTY)
    found = _teachers_by_phone(phones, workshop.scope_path)
    taken = set(WorkshopMember.objects.filter(workshop=workshop, user__in=found.values())
                .values_list("user_id", flat=True))
    new = [u for u in found.values() if u.pk not in taken]
    WorkshopMember.objects.bulk_create([WorkshopMember(workshop=workshop, user=u, invited_by=actor,
                                                       state=WorkshopMember.State.INVITED) for u in new])
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"{actor.name}邀请您加入“{workshop.name}”",
                         body=f"{workshop.get_kind_display()}“{workshop.name}”邀请您参加，打开后点击“加入”即可。",
                         url=_url(workshop)) for u in new])
    audit(actor=actor, action="communities.workshop_invite", obj=workshop, count=len(new))
    return len(new), [p for p in phones if p not in found]


def _participant(actor, activity: WorkshopActivity) -> None:
    if activity.closed:
        raise ValidationError(ACTIVITY_CLOSED)
    if not ws.can_take_part(actor, activity.workshop):
        raise ValidationError(NOT_A_PARTICIPANT)


@transaction.atomic
def activity_create(*, actor, workshop: Workshop, kind: str, title: str, description: str = "",
                    starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None, link: str = "",
                    video_url: str = "", design: dict | None = None) -> WorkshopActivity:
    """A new activity; a collective lesson preparation may start from the leader's first draft
    (version 1). The members are told."""
    title = (title or "").strip()
    if not title:
        raise ValidationError(TITLE_REQUIRED)
    if kind not in WorkshopActivity.Kind.values:
        raise ValidationError(KIND_UNKNOWN)
    link = _check_url(link)
    video_url = _check_url(video_url, required_error=VIDEO_REQUIRED if kind == "lesson_study" else None)
    if kind == WorkshopActivity.Kind.LIVE and starts_at is None:
        raise ValidationError(START_REQUIRED)
    activity = WorkshopActivity(workshop=workshop, kind=kind, title=title[:100], description=(description or "").strip(),
                                starts_at=starts_at, ends_at=ends_at, link=link, video_url=video_url,
                                created_by=actor)
    activity.full_clean(exclude=["created_by", "workshop"])
    activity.save()
    if kind == WorkshopActivity.Kind.LESSON_PREP and design and any((v or "").strip() for v in design.values()):
        design_save(actor=actor, activity=activity, base_number=0, sections=design, note="初稿")
    members = WorkshopMember.objects.filter(workshop=workshop, state="joined").exclude(user=actor).select_related("user")
    notify_many([Message(to=m.user, kind=Kind.OTHER, title=f"{workshop.name}新活动：{activity.title}",
                         body=f"{activity.get_kind_display()}：{activity.description[:150]}", url=_url(activity))
                 for m in members])
    audit(actor=actor, action="communities.activity_create", obj=workshop, name=activity.title, kind=kind)
    return activity


def latest_version(activity: WorkshopActivity) -> DesignVersion | None:
    return DesignVersion.objects.filter(activity=activity).select_related("author").order_by("-number").first()


@transaction.atomic
def design_save(*, actor, activity: WorkshopActivity, base_number: int, sections: dict,
                note: str = "") -> DesignVersion:
    """Save a new version of the shared design. `base_number` is the version the editor started
    from: when someone saved a newer one meanwhile, nothing is overwritten (DESIGN_STALE)."""
    if activity.kind != WorkshopActivity.Kind.LESSON_PREP:
        raise ValidationError(WRONG_KIND)
    if base_number or actor.pk != activity.created_by_id:  # the first draft comes with the activity
        _participant(actor, activity)
    clean = {key: (sections.get(key) or "").strip() for key, _label in DESIGN_SECTIONS}
    if not any(clean.values()):
        raise ValidationError(DESIGN_EMPTY)
    if any(len(v) > SECTION_MAX for v in clean.values()):
        raise ValidationError(DESIGN_TOO_LONG)
    # Lock the activity row: two saves from the same base are serialised, the second is stale.
    WorkshopActivity.objects.select_for_update().filter(pk=activity.pk).first()
    latest = DesignVersion.objects.filter(activity=activity).order_by("-number").values_list("number", flat=True).first()
    latest = latest or 0
    if latest != base_number:
        raise ValidationError(DESIGN_STALE, params={"number": latest})
    version = DesignVersion.objects.create(activity=activity, number=latest + 1, sections=clean,
                                           note=(note or "").strip()[:200], author=actor)
    audit(actor=actor, action="communities.design_save", obj=activity.workshop, name=activity.title,
          count=version.number)
    return version


@transaction.atomic
def design_comment(*, actor, activity: WorkshopActivity, version: DesignVersion, section: str,
                   body: str) -> DesignComment:
    """A comment on one part of a version; the version's author and anyone @mentioned are told."""
    _participant(actor, activity)
    if section not in dict(DESIGN_SECTIONS):
        raise ValidationError(SECTION_UNKNOWN)
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise ValidationError(COMMENT_REQUIRED)
    comment = DesignComment.objects.create(activity=activity, version=version, section=section, body=body,
                                           author=actor)
    label = dict(DESIGN_SECTIONS)[section]
    url = _url(activity) + f"?version={version.number}#section-{section}"
    told = _notify_mentions(actor=actor, workshop=activity.workshop, text=body, url=url,
                            title=f"{actor.name}在“{activity.title}”的教学设计中提到了您")
    if version.author_id != actor.pk and version.author_id not in told:
        notify_many([Message(to=version.author, kind=Kind.OTHER,
                             title=f"{actor.name}评论了您的教学设计“{activity.title}”",
                             body=f"第{version.number}版·{label}：{body[:150]}", url=url)])
    return comment


def parse_time(text: str) -> int:
    """"12:30" or "1:02:03" or "95" (seconds) → seconds."""
    parts = (text or "").strip().replace("：", ":").split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise ValidationError(TIME_INVALID) from None
    if not 1 <= len(numbers) <= 3 or any(n < 0 for n in numbers) or any(n >= 60 for n in numbers[1:]):
        raise ValidationError(TIME_INVALID)
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    if seconds > 24 * 3600:
        raise ValidationError(TIME_INVALID)
    return seconds


@transaction.atomic
def video_comment(*, actor, activity: WorkshopActivity, at: str, body: str) -> VideoComment:
    """A comment at a time in the lesson video; anyone @mentioned is told."""
    _participant(actor, activity)
    if activity.kind != WorkshopActivity.Kind.LESSON_STUDY:
        raise ValidationError(WRONG_KIND)
    seconds = parse_time(at)
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise ValidationError(COMMENT_REQUIRED)
    comment = VideoComment.objects.create(activity=activity, seconds=seconds, body=body, author=actor)
    _notify_mentions(actor=actor, workshop=activity.workshop, text=body, url=_url(activity) + f"#t-{comment.pk}",
                     title=f"{actor.name}在课例“{activity.title}”的评论中提到了您")
    return comment


@transaction.atomic
def video_comment_feature(*, actor, comment: VideoComment, featured: bool) -> VideoComment:
    comment.featured = featured
    comment.save(update_fields=["featured"])
    return comment


def _notify_mentions(*, actor, workshop: Workshop, text: str, url: str, title: str) -> set[int]:
    if "@" not in text:
        return set()
    ids = mentioned(text, ws.workshop_people(workshop.pk)) - {actor.pk}
    users = get_user_model().objects.filter(pk__in=ids)
    notify_many([Message(to=u, kind=Kind.OTHER, title=title, body=text[:200], url=url) for u in users])
    return ids


@transaction.atomic
def live_record(*, actor, activity: WorkshopActivity, attended_user_ids: list[int], recording_url: str = "",
                link: str = "") -> int:
    """The leader records who attended a live session (the set replaces the earlier one) and the
    recording. Returns how many attended."""
    if activity.kind != WorkshopActivity.Kind.LIVE:
        raise ValidationError(WRONG_KIND)
    if activity.closed:
        raise ValidationError(ACTIVITY_CLOSED)
    members = set(WorkshopMember.objects.filter(workshop=activity.workshop_id, state="joined",
                                                user_id__in=attended_user_ids).values_list("user_id", flat=True))
    activity.recording_url = _check_url(recording_url)
    activity.link = _check_url(link) or activity.link
    activity.save(update_fields=["recording_url", "link"])
    Attendance.objects.filter(activity=activity).exclude(user_id__in=members).delete()
    have = set(Attendance.objects.filter(activity=activity).values_list("user_id", flat=True))
    Attendance.objects.bulk_create([Attendance(activity=activity, user_id=u, recorded_by=actor)
                                    for u in members - have])
    audit(actor=actor, action="communities.attendance_record", obj=activity.workshop, name=activity.title,
          count=len(members))
    return len(members)


def conversion_text(counts: dict[str, int], rule) -> str:
    """"发帖 2×2 + 回复 3×1 = 7 分" — what the teacher is shown."""
    labels = {"post": "发帖", "reply": "回复评论", "featured": "被评为精华", "design": "贡献设计版本",
              "attendance": "参加直播"}
    parts = [f"{labels[a]} {n}×{rule.points_for(a)}" for a, n in counts.items() if n]
    return " + ".join(parts) + f" = {ws.points_of(counts, rule)} 分" if parts else "0 分"


def activity_close(*, actor, activity: WorkshopActivity) -> list[ActivityCredit]:
    """Close the activity: every participant's points → hours (rule's rate, rounded down to a
    tenth), within what the workshop cap still leaves them in the program, credited to the
    ledger once; those without an enrollment in the program keep their points, no hours. Each
    participant is told the conversion. Idempotent: a second close changes nothing."""
    workshop = activity.workshop
    program = workshop.program
    rule = ws.hours_rule(program)
    now = timezone.now()
    with transaction.atomic():
        claimed = WorkshopActivity.objects.filter(pk=activity.pk, credited_at__isnull=True).update(
            credited_at=now, credited_by=actor)
        if not claimed:
            raise ValidationError(ALREADY_CLOSED)
        activity.credited_at, activity.credited_by = now, actor
        counts = ws.activity_counts(activity)
        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=counts).select_related("teacher")}
        enrolled = set(Enrollment.objects.filter(program=program, teacher__user__in=list(counts))
                       .exclude(state="exempt").values_list("teacher__user_id", flat=True))
        credits, messages = [], []
        for user_id, user_counts in sorted(counts.items()):
            points = ws.points_of(user_counts, rule)
            if points <= 0:
                continue
            earned = ws.hours_for_points(points, rule)
            hours, note, entry = Decimal(0), "", None
            if user_id not in enrolled:
                note = f"未参加{program.name}，积分不折算学时"
            else:
                room = max(rule.workshop_cap - ws.workshop_hours_credited(user_id, program.pk), Decimal(0))
                hours = min(earned, room)
                if hours < earned:
                    note = f"已达工作坊学时上限 {rule.workshop_cap.normalize():f} 学时"
                if hours > 0:
                    entry = ledger_credit(teacher=users[user_id].teacher, program=program, category=rule.category,
                                          hours=hours, source_kind=SOURCE_KIND, source_id=str(activity.pk),
                                          granted_by=actor, reason=f"工作坊活动：{workshop.name}·{activity.title}")
            try:
                with transaction.atomic():
                    credit = ActivityCredit.objects.create(activity=activity, user_id=user_id, counts=user_counts,
                                                           points=points, hours=hours, note=note,
                                                           ledger_entry=entry)
            except IntegrityError:
                continue
            credits.append(credit)
            hours_text = f"计入{hours.normalize():f}学时" if hours > 0 else "不计学时"
            messages.append(Message(
                to=users[user_id], kind=Kind.OTHER, title=f"工作坊活动已认定：{activity.title}",
                body=f"{conversion_text(user_counts, rule)}，每{rule.points_per_hour}分折合1学时，{hours_text}"
                     + (f"（{note}）" if note else "") + "。", url=_url(activity)))
        notify_many(messages)
        audit(actor=actor, action="communities.activity_close", obj=workshop, name=activity.title,
              count=len(credits))
    return credits
