"""Discussion (讨论区): threads per class (or per workshop topic-discussion activity) and per topic,
replies paged by keyset, @mentions, replies tell the thread's author (once while unread), the tutor's (the workshop
leader's) pinned and featured posts, moderation (hide with a reason, audited) and reports.

Posting a reply is kept cheap, since a whole province may post at once: on PostgreSQL ONE
statement stores the reply and counts it on the thread (a data-modifying WITH: the INSERT and the
counter's UPDATE, F() + 1, no read-modify-write), a transaction of its own, so no BEGIN and
COMMIT round trips around it; elsewhere the ORM's two statements in a transaction. Only when
the reply may tell someone (an "@" in the text: one query for the class's names and one bulk
INSERT of notifications; or the thread's author has no unread notice of replies to it yet, so a
busy thread tells its author once, not 2,000 times) does it take a transaction with those. A
page of replies is one index range on (thread, id): `id > after ORDER BY id LIMIT 50`, as fast
for the 2,000th reply as for the first.

Opening a thread to read or post in it is ONE query for those who take part (`thread_for_poster`):
a class's member, tutor or forming organization, a workshop's joined member, leader or creator.
The row holds the thread, its author's name, the class's name or the activity's and workshop's,
whether the poster tutors, attends or formed the class or is a member of the workshop (and how),
holds any role that has not ended (without one, nobody sees a class or a workshop:
`selectors.visible_q`, `workshop_selectors.visible_q`), and whether the thread's author still has
an unread notice of replies to it. It is written in SQL because the same read through the ORM
(a filter of four EXISTS, compiled afresh on every request) cost more CPU than the rest of a
reply together. Anyone else (an office whose area holds the class or workshop, an invited
teacher, a teacher of an open workshop's area who has not joined) takes the general path,
`selectors.get_class_for_user` / `workshop_selectors.get_activity_for_user`. So a member's
reply through the page, class or workshop, is 4 queries on PostgreSQL: session, user, this
read, the reply's statement; and a transaction with one INSERT more when it tells someone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import RoleAssignment
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
    WorkshopMember,
)
from tisheng.communities.selectors import FORMING_ROLES
from tisheng.notifications.models import Kind, Notification
from tisheng.notifications.services import Message, notify_many
from tisheng.people.models import Teacher

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
    url = reverse("communities:thread_detail", args=[thread.pk])
    users = get_user_model().objects.filter(pk__in=ids)
    notify_many([Message(to=u, kind=Kind.OTHER, title=f"{actor.name}在“{thread.title}”中提到了您",
                         body=text[:200], url=url) for u in users])
    return ids


def _reply_url(thread: Thread) -> str:
    return reverse("communities:thread_detail", args=[thread.pk]) + "#reply-"


def _notify_author_of_reply(*, actor, thread: Thread, reply: Reply, text: str, told: set[int]) -> None:
    """Tell the thread's author that someone replied, with a link to the reply, unless they
    replied themselves, were just @mentioned in it, or still have such a notice unread (a busy
    thread tells its author once until they read it; the link is to the first reply they missed)."""
    if thread.author_id == actor.pk or thread.author_id in told:
        return
    prefix = _reply_url(thread)
    already = getattr(thread, "author_told", None)  # read with the thread (thread_for_poster)
    if already is None:
        already = Notification.objects.filter(recipient_id=thread.author_id, read_at__isnull=True,
                                              url__startswith=prefix).exists()
    if already:
        return
    notify_many([Message(to=thread.author, kind=Kind.OTHER, title=f"{actor.name}回复了您的主题“{thread.title}”",
                         body=text[:200], url=f"{prefix}{reply.pk}")])


@dataclass
class PosterView:
    """A class or workshop thread as one who takes part in it opens it."""

    thread: Thread
    moderator: bool  # tutors the class or formed it; leads the workshop


_POSTER_SQL: str | None = None


def _poster_sql() -> str:
    """One row: the thread, its author's name, its class (LEFT JOIN: a workshop thread has none)
    with the poster's ties to it, its activity and workshop (LEFT JOIN) with the poster's
    membership, whether the poster holds a role that has not ended, and whether the author
    already has an unread notice of replies to it. For a class thread the workshop columns are
    NULL and the other way round; the EXISTS on a NULL key find nothing, on the same indexes."""
    global _POSTER_SQL
    if _POSTER_SQL is None:
        t, c, ct, cm, te, ra, u, n, a, w, m = (model._meta.db_table for model in (
            Thread, StudyClass, ClassTutor, ClassMember, Teacher, RoleAssignment, get_user_model(), Notification,
            WorkshopActivity, Workshop, WorkshopMember))
        columns = ", ".join(f"t.{f.column}" for f in Thread._meta.concrete_fields)
        live = "(ra.expires_at IS NULL OR ra.expires_at > %s)"
        _POSTER_SQL = (
            f"SELECT {columns}, u.name, c.program_id, c.organization_id, c.name, c.region_path, "
            f"a.workshop_id, a.title, a.credited_at, w.name, w.leader_id, w.created_by_id, m.state, m.role, "
            f"EXISTS (SELECT 1 FROM {ct} ct WHERE ct.study_class_id = t.study_class_id AND ct.user_id = %s), "
            f"EXISTS (SELECT 1 FROM {cm} cm INNER JOIN {te} te ON te.id = cm.teacher_id "
            f"WHERE cm.study_class_id = t.study_class_id AND te.user_id = %s), "
            f"EXISTS (SELECT 1 FROM {ra} ra WHERE ra.user_id = %s AND {live}), "
            f"EXISTS (SELECT 1 FROM {ra} ra WHERE ra.user_id = %s AND ra.role IN (%s, %s) "
            f"AND ra.organization_id = c.organization_id AND {live}), "
            f"EXISTS (SELECT 1 FROM {n} n WHERE n.recipient_id = t.author_id AND n.read_at IS NULL AND n.url LIKE %s) "
            f"FROM {t} t INNER JOIN {u} u ON u.id = t.author_id LEFT JOIN {c} c ON c.id = t.study_class_id "
            f"LEFT JOIN {a} a ON a.id = t.activity_id LEFT JOIN {w} w ON w.id = a.workshop_id "
            f"LEFT JOIN {m} m ON m.workshop_id = a.workshop_id AND m.user_id = %s "
            f"WHERE t.id = %s")
    return _POSTER_SQL


_CONVERTERS: dict[tuple, list] = {}


def _converted(fields, values) -> list:
    """Values as the ORM would give them: the backend's and the fields' converters (SQLite hands
    back times as text and booleans as 0/1), found once per connection and set of fields."""
    key = (connection.alias, connection.vendor, tuple(fields))
    converters = _CONVERTERS.get(key)
    if converters is None:
        converters = _CONVERTERS[key] = [
            (i, col, convert) for i, field in enumerate(fields)
            for col in [field.get_col(field.model._meta.db_table)]
            for convert in connection.ops.get_db_converters(col) + field.get_db_converters(connection)]
    out = list(values)
    for i, col, convert in converters:
        out[i] = convert(out[i], col, connection)
    return out


def thread_for_poster(actor, pk: int) -> PosterView | None:
    """A class or workshop thread with what the actor may do in it, in one query (the module
    docstring says why in SQL), for those who take part: a class's member, tutor or forming
    organization; a workshop's joined member, leader or creator. None when the thread does not
    exist or the actor opens it some other way (an office, an invited teacher, a teacher of an
    open workshop's area who has not joined): the caller takes the general path. The same rules
    as `selectors.visible_q`/`can_guide` and `workshop_selectors.visible_q`/`can_lead`/
    `can_take_part`, never wider: a role that has not ended, and a tie to the class or workshop."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    prefix = reverse("communities:thread_detail", args=[pk]) + "#reply-"
    with connection.cursor() as cursor:
        cursor.execute(_poster_sql(), [actor.pk, actor.pk, actor.pk, now, actor.pk, *FORMING_ROLES, now,
                                       prefix + "%", actor.pk, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = Thread._meta.concrete_fields
    k = len(fields)
    (author_name, program_id, organization_id, class_name, region_path, workshop_id, activity_title, credited_at,
     workshop_name, leader_id, creator_id, member_state, member_role, tutors, attends, granted, manages,
     told) = row[k:]
    if not granted:
        return None
    db = connection.alias
    thread = Thread.from_db(db, [f.attname for f in fields], _converted(fields, row[:k]))
    if thread.study_class_id:
        tutors, attends, manages = bool(tutors), bool(attends), bool(manages)
        if not (tutors or attends or manages):
            return None
        # The rest of the class is deferred: read if ever touched, never wrong.
        study_class = StudyClass.from_db(db, ["id", "program_id", "organization_id", "name", "region_path"],
                                         [thread.study_class_id, program_id, organization_id, class_name,
                                          region_path])
        study_class.viewer_pk, study_class.viewer_tutors, study_class.viewer_attends = actor.pk, tutors, attends
        thread.study_class = study_class
        moderator = tutors or manages
    else:
        joined = member_state == WorkshopMember.State.JOINED
        moderator = actor.pk in (leader_id, creator_id) or (joined and member_role == WorkshopMember.Role.LEADER)
        if not (moderator or joined):
            return None
        credited_field = WorkshopActivity._meta.get_field("credited_at")
        [credited_at] = _converted([credited_field], [credited_at])
        workshop = Workshop.from_db(db, ["id", "name", "leader_id", "created_by_id"],
                                    [workshop_id, workshop_name, leader_id, creator_id])
        activity = WorkshopActivity.from_db(db, ["id", "workshop_id", "title", "credited_at"],
                                            [thread.activity_id, workshop_id, activity_title, credited_at])
        activity.workshop = workshop
        thread.activity = activity
    thread.author = get_user_model().from_db(db, ["id", "name"], [thread.author_id, author_name])
    thread.author_told = bool(told)
    return PosterView(thread=thread, moderator=moderator)


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


_REPLY_SQL: str | None = None


def _reply_sql() -> str:
    """PostgreSQL: the reply's INSERT and the thread's counter UPDATE as ONE statement (a
    data-modifying WITH), so a reply nobody is told of is one round trip and one transaction
    of its own (no BEGIN and COMMIT around two statements); returns the reply's id."""
    global _REPLY_SQL
    if _REPLY_SQL is None:
        r, t = Reply._meta.db_table, Thread._meta.db_table
        _REPLY_SQL = (
            f"WITH r AS (INSERT INTO {r} (thread_id, author_id, body, created_at, featured, hidden_reason) "
            f"VALUES (%s, %s, %s, %s, false, '') RETURNING id) "
            f"UPDATE {t} SET reply_count = reply_count + 1, last_reply_at = %s WHERE id = %s "
            f"RETURNING (SELECT id FROM r)")
    return _REPLY_SQL


def _reply_insert(*, actor, thread: Thread, body: str, now) -> Reply:
    """Store the reply and count it on the thread: one statement on PostgreSQL, the ORM's two
    elsewhere (the caller holds a transaction around them then)."""
    if connection.vendor != "postgresql":
        reply = Reply.objects.create(thread=thread, author=actor, body=body, created_at=now)
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_reply_at=now)
        return reply
    with connection.cursor() as cursor:
        cursor.execute(_reply_sql(), [thread.pk, actor.pk, body, now, now, thread.pk])
        row = cursor.fetchone()
    if row is None:  # the thread was deleted under us: nothing was stored (the WITH ran in its statement)
        raise Thread.DoesNotExist
    reply = Reply(id=row[0], thread=thread, author=actor, body=body, created_at=now)
    reply._state.adding, reply._state.db = False, connection.alias
    return reply


def _tells_someone(*, actor, thread: Thread, text: str) -> bool:
    """Whether posting may notify anyone (an "@", or the thread's author not yet told): only
    then does the reply need a transaction around more than its own statement."""
    if "@" in text:
        return True
    return thread.author_id != actor.pk and getattr(thread, "author_told", None) is not True


def reply_post(*, actor, thread: Thread, body: str) -> Reply:
    """The hot path (see the module docstring): one statement on PostgreSQL (two elsewhere), more
    only for @mentions and to tell the thread's author, in one transaction with them."""
    body = (body or "").strip()
    if not body or len(body) > 5000:
        raise ValidationError(REPLY_REQUIRED)
    if thread.hidden_reason:
        raise ValidationError(THREAD_HIDDEN)
    if thread.activity_id and thread.activity.closed:
        raise ValidationError(ACTIVITY_CLOSED)
    now = timezone.now()
    if connection.vendor == "postgresql" and not _tells_someone(actor=actor, thread=thread, text=body):
        return _reply_insert(actor=actor, thread=thread, body=body, now=now)
    with transaction.atomic():
        reply = _reply_insert(actor=actor, thread=thread, body=body, now=now)
        told = _notify_mentions(actor=actor, thread=thread, text=body)
        _notify_author_of_reply(actor=actor, thread=thread, reply=reply, text=body, told=told)
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
