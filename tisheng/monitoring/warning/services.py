"""Interventions: reminders to teachers at risk and follow-up requests to their principals.

Each reminder goes in-app (when the teacher has an account), by email (when the teacher's
account or record has an address) and by SMS (when a phone number is known); each is recorded
as an Intervention (who, whom, channels, when) and written to the audit log."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.monitoring.warning.models import Intervention, Notification, RiskScore
from tisheng.notifications.sms import get_sms_backend
from tisheng.orgs.scope import scope_filter
from tisheng.people.models import Teacher
from tisheng.programs.models import Program

CAPABILITY = Cap.REPORTS_VIEW
NOTHING_SELECTED = "请选择要提醒的教师。"
NO_PRINCIPAL = "该校尚未设置学校管理员，无法请其跟进。"
MAX_BATCH = 5000

REMINDER_TITLE = "学习进度提醒"
FOLLOW_UP_TITLE = "请跟进本校预警教师"


def reminder_text(program: Program, risk: RiskScore | None) -> str:
    why = "；".join(risk.reasons) if risk and risk.reasons else "学习进度落后"
    return (f"【{program.name}】您的培训进度需要关注：{why}。截止日期 {program.end_date:%Y-%m-%d}，"
            f"请尽快登录平台继续学习。")


def email_for(teacher: Teacher) -> str:
    """The teacher's email address, if their record or account has one. (Neither model holds
    an email field yet; a province that adds one gets emails without a change here.)"""
    for obj in (teacher, teacher.user):
        address = getattr(obj, "email", "") if obj is not None else ""
        if address:
            return address
    return ""


def _deliver(teacher: Teacher, title: str, text: str, notes: list[Notification]) -> list[str]:
    """Send on every channel the teacher can be reached on (in-app notifications are added to
    `notes` for one bulk insert); the channels used."""
    channels = []
    if teacher.user_id:
        notes.append(Notification(recipient_id=teacher.user_id, title=title, body=text,
                                  url=reverse("ledger:my_hours")))
        channels.append("in_app")
    address = email_for(teacher)
    if address:
        transaction.on_commit(lambda: send_mail(title, text, settings.DEFAULT_FROM_EMAIL, [address],
                                                fail_silently=True))
        channels.append("email")
    phone = teacher.phone or (teacher.user.phone if teacher.user_id else "")
    if phone:
        backend = get_sms_backend()
        transaction.on_commit(lambda: backend.send(phone, text))
        channels.append("sms")
    return channels


def remind_teachers(*, actor, program: Program, teachers: list[int]) -> list[Intervention]:
    """Remind these teachers (ids; only those in the actor's scope are reached)."""
    if not teachers:
        raise ValidationError(NOTHING_SELECTED, code="nothing_selected")
    targets = list(scope_filter(Teacher.objects.filter(pk__in=teachers[:MAX_BATCH], enrollments__program=program), actor, CAPABILITY)
                   .select_related("user"))
    risks = {r.teacher_id: r for r in RiskScore.objects.filter(program=program, teacher__in=targets)}
    made: list[Intervention] = []
    notes: list[Notification] = []
    with transaction.atomic():
        for teacher in targets:
            risk = risks.get(teacher.pk)
            text = reminder_text(program, risk)
            channels = _deliver(teacher, REMINDER_TITLE, text, notes)
            made.append(Intervention(program=program, teacher=teacher, org_path=teacher.org_path,
                                     kind=Intervention.Kind.REMINDER, channels=channels, message=text, actor=actor,
                                     risk_score=risk.score if risk else None))
        Notification.objects.bulk_create(notes)
        Intervention.objects.bulk_create(made)
        for i in made:
            audit(actor=actor, action="warning_reminder", obj=i.teacher, program=program.code,
                  channels=i.channels, intervention=i.pk)
    return made


def ask_principals(*, actor, program: Program, teachers: list[int]) -> list[Intervention]:
    """Ask the admins of each school concerned to follow up its listed teachers: one
    notification per admin with the school's list, one recorded intervention per teacher."""
    if not teachers:
        raise ValidationError(NOTHING_SELECTED, code="nothing_selected")
    targets = list(scope_filter(Teacher.objects.filter(pk__in=teachers[:MAX_BATCH], enrollments__program=program), actor, CAPABILITY)
                   .select_related("school").order_by("school_id", "name"))
    if not targets:
        return []
    risks = {r.teacher_id: r for r in RiskScore.objects.filter(program=program, teacher__in=targets)}
    by_school: dict[int, list[Teacher]] = defaultdict(list)
    for t in targets:
        by_school[t.school_id].append(t)
    admins: dict[int, list[int]] = defaultdict(list)
    for school_id, user_id in RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, school_id__in=list(by_school)) \
            .values_list("school_id", "user_id"):
        admins[school_id].append(user_id)
    if not any(admins.values()):
        raise ValidationError(NO_PRINCIPAL, code="no_principal")
    made = []
    url = reverse("monitoring:warning_list")
    with transaction.atomic():
        for school_id, group in by_school.items():
            if not admins.get(school_id):
                continue
            lines = [f"{t.name}（风险 {risks[t.pk].score} 分：{'；'.join(risks[t.pk].reasons) or '进度落后'}）"
                     if t.pk in risks else t.name for t in group]
            body = (f"【{program.name}】{actor.name} 请您跟进本校以下 {len(group)} 位教师的培训进度：\n"
                    + "\n".join(lines))
            Notification.objects.bulk_create([
                Notification(recipient_id=u, title=FOLLOW_UP_TITLE, body=body,
                             url=f"{url}?program={program.pk}&node={group[0].school.path}")
                for u in admins[school_id]])
            made += [Intervention(program=program, teacher=t, org_path=t.org_path, kind=Intervention.Kind.FOLLOW_UP,
                                  channels=["principal"], message=body, actor=actor,
                                  risk_score=risks[t.pk].score if t.pk in risks else None) for t in group]
        Intervention.objects.bulk_create(made)
        for school_id, group in by_school.items():
            if admins.get(school_id):
                audit(actor=actor, action="warning_follow_up", obj=group[0].school, program=program.code,
                      teachers=[t.pk for t in group], admins=admins[school_id])
    return made


def notifications_mark_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
