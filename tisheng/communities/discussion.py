"""Discussion (讨论区): threads per class (or per workshop topic-discussion activity) and per topic,
replies paged by keyset, @mentions, replies tell the thread's author, the tutor's (the workshop
leader's) pinned and featured posts, moderation (hide with a reason, audited) and reports.

Posting a reply is kept cheap, since a whole province may post at once: one INSERT of the reply
and one UPDATE of the thread's counter (F() + 1, no read-modify-write), plus, only when the text holds
an "@", one query for the class's names and one bulk INSERT of notifications. In a workshop's
thread, one indexed look-up more: whether the thread's author already has an unread notice of
replies to it (so a busy thread tells its author once, not 2,000 times). A page of
replies is one index range on (thread, id): `id > after ORDER BY id LIMIT 50`, as fast for the
2,000th reply as for the first."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.communities.models import (
    ClassMember,
    ClassTutor,
    PostReport,
    Reply,
    StudyClass,
    Thread,
    Workshop,
    WorkshopActivity,
)
from tisheng.notifications.models import Kind, Notification
from tisheng.notifications.services import Message, notify_many

PAGE_SIZE = 50
MENTION = re.compile(r"@([^\s@，。,.:：;；!！?？、()（）]{1,16})")
TEXT_REQUIRED = _("Write a title and the text.")
REPLY_REQUIRED = _("Write your reply first.")
REASON_REQUIRED = _("Give a reason.")
THREAD_HIDDEN = _("This thread has been hidden by the tutor.")
ACTIVITY_CLOSED = _("This activity has been closed and its hours credited; it takes no more posts.")


def _audit_obj(thread: Thread) -> StudyClass | Workshop:
    return thread.study_class if thread.study_class_id else thread.activity.workshop


def _moderators(thread: Thread) -> list:
    """Who hears of a report: the class's tutors, or the workshop's leaders."""
    if thread.study_class_id:
        return [t.user for t in ClassTutor.objects.filter(study_class=thread.study_class).select_related("user")]
    from django.contrib.auth import get_user_model

    workshop = thread.activity.workshop
    ids = {workshop.leader_id} | set(workshop.members.filter(role="leader", state="joined")
                                     .values_list("user_id", flat=True))
    return list(get_user_model().objects.filter(pk__in=ids))


def class_people(study_class: StudyClass) -> dict[str, int]:
    """Name → user id of everyone in the class (members with an account, tutors): one query each."""
    people = dict(ClassMember.objects.filter(study_class=study_class, teacher__user__isnull=False)
                  .values_list("teacher__name", "teacher__user_id"))
    people.update(ClassTutor.objects.filter(study_class=study_class).values_list("user__name", "user_id"))
    return people


def mentioned(text: str, people: dict[str, int]) -> set[int]:
    """User ids named after an "@": the longest name of the class the word starts with."""
    found = set()
    for word in MENTION.findall(text):
        for end in range(len(word), 0, -1):
            if word[:end] in people:
                found.add(people[word[:end]])
                break
    return found


def thread_people(thread: Thread) -> dict[str, int]:
    """Who may be @mentioned in the thread: its class's people, or its workshop's."""
    if thread.study_class_id:
        return class_people(thread.study_class)
    from tisheng.communities.workshop_selectors import workshop_people

    return workshop_people(thread.activity.workshop_id)


def _notify_mentions(*, actor, thread: Thread, text: str) -> set[int]:
    if "@" not in text:
        return set()
    ids = mentioned(text, thread_people(thread)) - {actor.pk}
    if not ids:
        return set()
    from django.contrib.auth import get_user_model

    url = reverse("communities:thread_detail", args=[thread.pk])
    users = get_user_model().objects.filter(pk__in=ids)
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"{actor.name}在“{thread.title}”中提到了您",
                         body=text[:200], url=url) for u in users])
    return ids


def _notify_author_of_reply(*, actor, thread: Thread, text: str, told: set[int]) -> None:
    """In a workshop, tell the thread's author that someone replied, unless they still have such a
    notice unread. (A class thread's replies stay at two statements: its tutors follow the list.)"""
    if not thread.activity_id or thread.author_id == actor.pk or thread.author_id in told:
        return
    url = reverse("communities:thread_detail", args=[thread.pk])
    if Notification.objects.filter(recipient_id=thread.author_id, read_at__isnull=True, url=url).exists():
        return
    notify_many([Message(to=thread.author, kind=Kind.OTHER, title=f"{actor.name}回复了您的主题“{thread.title}”",
                         body=text[:200], url=url)])


def _container_q(container: StudyClass | WorkshopActivity) -> dict:
    return {"activity": container} if isinstance(container, WorkshopActivity) else {"study_class": container}


def threads_of(container: StudyClass | WorkshopActivity, *, topic: str = "",
               moderator: bool = False) -> QuerySet[Thread]:
    qs = Thread.objects.filter(**_container_q(container)).select_related("author")
    if topic:
        qs = qs.filter(topic=topic)
    if not moderator:
        qs = qs.filter(hidden_reason="")
    return qs.order_by("-pinned", "-last_reply_at", "-id")


def topics_of(container: StudyClass | WorkshopActivity) -> list[str]:
    return list(Thread.objects.filter(**_container_q(container), hidden_reason="").exclude(topic="")
                .values_list("topic", flat=True).distinct().order_by("topic"))


def replies_page(thread: Thread, *, after: int = 0, moderator: bool = False) -> tuple[list[Reply], int | None]:
    """One page of replies after reply id `after` and the `after` of the next page (None at the end)."""
    qs = Reply.objects.filter(thread=thread, id__gt=after).select_related("author").order_by("id")
    if not moderator:
        qs = qs.filter(hidden_reason="")
    rows = list(qs[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


@transaction.atomic
def thread_create(*, actor, study_class: StudyClass | None = None, activity: WorkshopActivity | None = None,
                  title: str, body: str, topic: str = "") -> Thread:
    """A new thread in a class or in a workshop's topic-discussion activity (exactly one)."""
    title, body, topic = (title or "").strip(), (body or "").strip(), (topic or "").strip()
    if not title or not body:
        raise ValidationError(TEXT_REQUIRED)
    if activity is not None and activity.closed:
        raise ValidationError(ACTIVITY_CLOSED)
    thread = Thread(study_class=study_class, activity=activity, title=title, body=body, topic=topic, author=actor)
    thread.full_clean()
    thread.save()
    _notify_mentions(actor=actor, thread=thread, text=body)
    return thread


def reply_post(*, actor, thread: Thread, body: str) -> Reply:
    """The hot path (see the module docstring): 2 statements, more only for @mentions."""
    body = (body or "").strip()
    if not body or len(body) > 5000:
        raise ValidationError(REPLY_REQUIRED)
    if thread.hidden_reason:
        raise ValidationError(THREAD_HIDDEN)
    if thread.activity_id and thread.activity.closed:
        raise ValidationError(ACTIVITY_CLOSED)
    now = timezone.now()
    with transaction.atomic():
        reply = Reply.objects.create(thread=thread, author=actor, body=body, created_at=now)
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_reply_at=now)
        told = _notify_mentions(actor=actor, thread=thread, text=body)
        _notify_author_of_reply(actor=actor, thread=thread, text=body, told=told)
    return reply


@transaction.atomic
def thread_flag(*, actor, thread: Thread, pinned: bool | None = None, featured: bool | None = None) -> Thread:
    if pinned is not None:
        thread.pinned = pinned
    if featured is not None:
        thread.featured = featured
    thread.save(update_fields=["pinned", "featured"])
    return thread


@transaction.atomic
def reply_feature(*, actor, reply: Reply, featured: bool) -> Reply:
    reply.featured = featured
    reply.save(update_fields=["featured"])
    return reply


@transaction.atomic
def post_hide(*, actor, thread: Thread, reply: Reply | None = None, reason: str) -> None:
    """Hide a thread or a reply with a reason (shown in its place to the tutors); audited; the
    reports on it are resolved; its author is told why."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    post = reply or thread
    post.hidden_reason = reason
    post.save(update_fields=["hidden_reason"])
    reports = PostReport.objects.filter(thread=thread, resolved=False)
    reports = reports.filter(reply=reply) if reply else reports.filter(reply__isnull=True)
    reports.update(resolved=True)
    audit(actor=actor, action="communities.post_hide", obj=_audit_obj(thread), name=thread.title,
          reason=reason, count=reply.pk if reply else 0)
    where, who = ("班级讨论区", "辅导教师") if thread.study_class_id else ("工作坊讨论区", "坊主")
    notify_many([Message(to=post.author, kind=Kind.OTHER, title=f"您在{where}的发言已被隐藏",
                         body=f"“{thread.title}”中的发言已被{who}隐藏，原因：{reason}",
                         url=reverse("communities:thread_detail", args=[thread.pk]))])


@transaction.atomic
def post_report(*, actor, thread: Thread, reply: Reply | None = None, reason: str) -> PostReport:
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    report = PostReport.objects.create(thread=thread, reply=reply, reporter=actor, reason=reason)
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"讨论区有发言被举报：{thread.title}", body=reason,
                         url=reverse("communities:thread_detail", args=[thread.pk])) for u in _moderators(thread)])
    return report


def open_reports(container: StudyClass | WorkshopActivity) -> QuerySet[PostReport]:
    where = ({"thread__activity": container} if isinstance(container, WorkshopActivity)
             else {"thread__study_class": container})
    return (PostReport.objects.filter(**where, resolved=False)
            .select_related("thread", "reply", "reporter"))
