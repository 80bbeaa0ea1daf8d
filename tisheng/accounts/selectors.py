from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db.models import Q, QuerySet

from tisheng.accounts.models import AuditLog, User
from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import capability_paths, path_q

SHANGHAI = ZoneInfo("Asia/Shanghai")
# How many people, teachers or units an object search may name at most (a name that matches
# more is too vague to be a filter: the page says to narrow it).
OBJECT_MATCH_LIMIT = 500


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters. Days are Beijing dates, both ends included."""

    since: dt.date | None = None
    until: dt.date | None = None
    action: str = ""
    actor: str = ""  # a name (or part of it) or a phone number
    target: str = ""  # a person's, teacher's, school's, region's or program's name
    ip: str = ""


def audit_log_list(actor, *, action: str | None = None, filters: AuditFilters | None = None) -> QuerySet[AuditLog]:
    """Audit entries the actor may read: those recorded within their subtree. An audit
    admin at the province also sees entries with no org node (logins, account changes)."""
    roots = capability_paths(actor, Cap.AUDIT_VIEW)
    q = path_q("scope_path", roots)
    if any("/" not in r for r in roots):  # a province-level grant covers node-less entries
        q |= Q(scope_path="")
    qs = AuditLog.objects.filter(q)
    if action:
        qs = qs.filter(action=action)
    if filters is not None:
        qs = _filtered(qs, filters)
    return qs.order_by("-at", "-id")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)


def _filtered(qs: QuerySet[AuditLog], f: AuditFilters) -> QuerySet[AuditLog]:
    if f.since:
        qs = qs.filter(at__gte=_day_start(f.since))
    if f.until:
        qs = qs.filter(at__lt=_day_start(f.until + dt.timedelta(days=1)))
    if f.action:
        qs = qs.filter(action=f.action)
    if f.ip:
        qs = qs.filter(ip=f.ip)
    if f.actor:
        text = f.actor.strip()
        if text.isdigit():
            qs = qs.filter(actor__in=User.objects.filter(phone__startswith=text).values("pk"))
        else:
            qs = qs.filter(actor_name__contains=text)
    if f.target:
        qs = qs.filter(target_q(f.target.strip()))
    return qs


def target_q(text: str) -> Q:
    """Entries about something named `text`: accounts (name or phone), teachers, schools,
    regions, organisations and programs of that name (or code), and the enrollments of those
    teachers. A handful of lookups, each capped at OBJECT_MATCH_LIMIT ids, then one condition
    on the (object_type, object_id) index."""
    q = Q(pk__in=[])
    if not text:
        return q
    limit = OBJECT_MATCH_LIMIT
    users = User.objects.filter(phone__startswith=text) if text.isdigit() else User.objects.filter(name__contains=text)
    user_ids = [str(pk) for pk in users.values_list("pk", flat=True)[:limit]]
    if user_ids:
        q |= Q(object_type="user", object_id__in=user_ids)
    Teacher = apps.get_model("people", "Teacher")
    teacher_ids = list(Teacher.objects.filter(name__contains=text).values_list("pk", flat=True)[:limit])
    if teacher_ids:
        q |= Q(object_type="teacher", object_id__in=[str(t) for t in teacher_ids])
        Enrollment = apps.get_model("programs", "Enrollment")
        enrollments = Enrollment.objects.filter(teacher__in=teacher_ids).values_list("pk", flat=True)[:limit * 4]
        q |= Q(object_type="enrollment", object_id__in=[str(e) for e in enrollments])
    for label, kind in (("orgs.School", "school"), ("orgs.Region", "region"), ("orgs.Organization", "organization"),
                        ("programs.Program", "program")):
        model = apps.get_model(label)
        rows = model.objects.filter(Q(name__contains=text) | Q(code=text)).values_list("pk", "code")[:limit]
        rows = list(rows)
        if rows:
            q |= Q(object_type=kind, object_id__in=[str(pk) for pk, _code in rows])
    return q
