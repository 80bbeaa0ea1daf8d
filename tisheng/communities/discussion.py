"""Discussion (讨论区): threads per class and per topic, replies paged by keyset, @mentions, the
tutor's pinned and featured posts, moderation (hide with a reason, audited) and reports.

Posting a reply is kept cheap, since a whole province may post at once: one INSERT of the reply
and one UPDATE of the thread's counter (F() + 1, no read-modify-write), plus, only when the text
holds an "@", one query for the class's names and one bulk INSERT of notifications. A page of
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
from tisheng.communities.models import ClassMember, ClassTutor, PostReport, Reply, StudyClass, Thread
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many

PAGE_SIZE = 50
MENTION = re.compile(r"@([^\s@，。,.:：;；!！?？、()（）]{1,16})")
TEXT_REQUIRED = _("Write a title and the text.")
REPLY_REQUIRED = _("Write your reply first.")
REASON_REQUIRED = _("Give a reason.")
THREAD_HIDDEN = _("This thread has been hidden by the tutor.")


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


def _notify_mentions(*, actor, study_class: StudyClass, thread: Thread, text: str) -> int:
    if "@" not in text:
        return 0
    ids = mentioned(text, class_people(study_class)) - {actor.pk}
    if not ids:
        return 0
    from django.contrib.auth import get_user_model

    url = reverse("communities:thread_detail", args=[thread.pk])
    users = get_user_model().objects.filter(pk__in=ids)
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"{actor.name}在“{thread.title}”中提到了您",
                         body=text[:200], url=url) for u in users])
    return len(ids)


def threads_of(study_class: StudyClass, *, topic: str = "", moderator: bool = False) -> QuerySet[Thread]:
    qs = Thread.objects.filter(study_class=study_class).select_related("author")
    if topic:
        qs = qs.filter(topic=topic)
    if not moderator:
        qs = qs.filter(hidden_reason="")
    return qs.order_by("-pinned", "-last_reply_at", "-id")


def topics_of(study_class: StudyClass) -> list[str]:
    return list(Thread.objects.filter(study_class=study_class, hidden_reason="").exclude(topic="")
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
def thread_create(*, actor, study_class: StudyClass, title: str, body: str, topic: str = "") -> Thread:
    title, body, topic = (title or "").strip(), (body or "").strip(), (topic or "").strip()
    if not title or not body:
        raise ValidationError(TEXT_REQUIRED)
    thread = Thread(study_class=study_class, title=title, body=body, topic=topic, author=actor)
    thread.full_clean()
    thread.save()
    _notify_mentions(actor=actor, study_class=study_class, thread=thread, text=body)
    return thread


def reply_post(*, actor, thread: Thread, body: str) -> Reply:
    """The hot path (see the module docstring): 2 statements, more only for @mentions."""
    body = (body or "").strip()
    if not body or len(body) > 5000:
        raise ValidationError(REPLY_REQUIRED)
    if thread.hidden_reason:
        raise ValidationError(THREAD_HIDDEN)
    now = timezone.now()
    with transaction.atomic():
        reply = Reply.objects.create(thread=thread, author=actor, body=body, created_at=now)
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_reply_at=now)
        _notify_mentions(actor=actor, study_class=thread.study_class, thread=thread, text=body)
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
    audit(actor=actor, action="communities.post_hide", obj=thread.study_class, name=thread.title,
          reason=reason, count=reply.pk if reply else 0)
    notify_many([Message(to=post.author, kind=Kind.OTHER, title="您在班级讨论区的发言已被隐藏",
                         body=f"“{thread.title}”中的发言已被辅导教师隐藏，原因：{reason}",
                         url=reverse("communities:thread_detail", args=[thread.pk]))])


@transaction.atomic
def post_report(*, actor, thread: Thread, reply: Reply | None = None, reason: str) -> PostReport:
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    report = PostReport.objects.create(thread=thread, reply=reply, reporter=actor, reason=reason)
    tutors = [t.user for t in ClassTutor.objects.filter(study_class=thread.study_class).select_related("user")]
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"讨论区有发言被举报：{thread.title}", body=reason,
                         url=reverse("communities:thread_detail", args=[thread.pk])) for u in tutors])
    return report


def open_reports(study_class: StudyClass) -> QuerySet[PostReport]:
    return (PostReport.objects.filter(thread__study_class=study_class, resolved=False)
            .select_related("thread", "reply", "reporter"))
