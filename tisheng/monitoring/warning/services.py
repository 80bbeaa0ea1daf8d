"""Interventions: reminders to teachers at risk and follow-up requests to their principals.

Each reminder goes through `tisheng.notifications.services.notify_many`: in-app (when the
teacher has an account), by SMS (when a phone number is known and SMS is not muted) and by email
(when an address is known); each is recorded as an Intervention (who, whom, the channels that
carried it, when) and written to the audit log."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.monitoring.warning.models import Intervention, RiskScore
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
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


def remind_teachers(*, actor, program: Program, teachers: list[int]) -> list[Intervention]:
    """Remind these teachers (ids; only those in the actor's scope are reached)."""
    if not teachers:
        raise ValidationError(NOTHING_SELECTED, code="nothing_selected")
    targets = list(scope_filter(Teacher.objects.filter(pk__in=teachers[:MAX_BATCH], enrollments__program=program), actor, CAPABILITY)
                   .select_related("user"))
    risks = {r.teacher_id: r for r in RiskScore.objects.filter(program=program, teacher__in=targets)}
    url = reverse("ledger:my_hours")
    with transaction.atomic():
        sent = notify_many(Message(to=t, kind=Kind.REMINDER, title=REMINDER_TITLE,
                                   body=reminder_text(program, risks.get(t.pk)), url=url) for t in targets)
        made = [Intervention(program=program, teacher=t, org_path=t.org_path, kind=Intervention.Kind.REMINDER,
                             channels=d.channels, message=reminder_text(program, risks.get(t.pk)), actor=actor,
                             risk_score=risks[t.pk].score if t.pk in risks else None)
                for t, d in zip(targets, sent, strict=True)]
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
    admins: dict[int, list] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, school_id__in=list(by_school)) \
            .select_related("user"):
        admins[assignment.school_id].append(assignment.user)
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
            notify_many(Message(to=u, kind=Kind.FOLLOW_UP, title=FOLLOW_UP_TITLE, body=body,
                                url=f"{url}?program={program.pk}&node={group[0].school.path}")
                        for u in admins[school_id])
            made += [Intervention(program=program, teacher=t, org_path=t.org_path, kind=Intervention.Kind.FOLLOW_UP,
                                  channels=["principal"], message=body, actor=actor,
                                  risk_score=risks[t.pk].score if t.pk in risks else None) for t in group]
        Intervention.objects.bulk_create(made)
        for school_id, group in by_school.items():
            if admins.get(school_id):
                audit(actor=actor, action="warning_follow_up", obj=group[0].school, program=program.code,
                      teachers=[t.pk for t in group], admins=[u.pk for u in admins[school_id]])
    return made

