"""School plans (学校信息化发展规划) and the school's management team. The school writes and
submits, the county over it approves or returns with comments; a return is answered by a
new version. Teachers' choices open with the latest approved version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit, role_assign
from tisheng.orgs.models import School
from tisheng.orgs.scope import path_in_scope
from tisheng.practice.models import Environment, SchoolPlan, TeamMember
from tisheng.programs.models import Program

PLAN_WAITING = gettext_noop("The plan is waiting for the county's decision and cannot be changed now.")
PLAN_NOT_DRAFT = gettext_noop("Only a draft plan can be submitted.")
PLAN_NOT_SUBMITTED = gettext_noop("Only a submitted plan can be approved or returned.")
PLAN_GOALS_REQUIRED = gettext_noop("Write the plan's goals before submitting it.")
PLAN_TOPICS_REQUIRED = gettext_noop("Name at least one research topic before submitting the plan.")
PLAN_SCHEDULE_REQUIRED = gettext_noop("Add at least one training session to the schedule before submitting.")
PLAN_ENVIRONMENT_INVALID = gettext_noop("Choose the school's environment: A, B or C.")
PLAN_SCHEDULE_INVALID = gettext_noop("Each training session needs a date (YYYY-MM-DD) and a title.")
PLAN_RETURN_NEEDS_COMMENTS = gettext_noop("Say what the school must change when returning its plan.")
PLAN_NOT_PRACTICE_PROGRAM = gettext_noop("This program has no micro-ability practice.")
TEAM_MEMBER_NOT_AT_SCHOOL = gettext_noop("A team member must be a teacher or administrator of this school.")


def _require(actor, capability: str, school: School) -> None:
    if not path_in_scope(actor, capability, school.path):
        raise PermissionDenied


def latest_plan(school: School, program: Program) -> SchoolPlan | None:
    return SchoolPlan.objects.filter(school=school, program=program).order_by("-version").first()


def approved_plan(school_id: int, program_id: int) -> SchoolPlan | None:
    """The latest approved version (a newer draft or submission does not close choices)."""
    return (SchoolPlan.objects.filter(school_id=school_id, program_id=program_id, status=SchoolPlan.Status.APPROVED)
            .order_by("-version").first())


def _clean_schedule(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for row in rows:
        date, title = (row.get("date") or "").strip(), (row.get("title") or "").strip()
        if not date and not title:
            continue
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError(PLAN_SCHEDULE_INVALID) from None
        if not title:
            raise ValidationError(PLAN_SCHEDULE_INVALID)
        cleaned.append({"date": date, "title": title[:128], "kind": (row.get("kind") or "").strip()[:32]})
    return sorted(cleaned, key=lambda r: r["date"])


@transaction.atomic
def plan_save(*, actor, school: School, program: Program, goals: str, environment: str,
              research_topics: list[str], training_schedule: list[dict[str, Any]]) -> SchoolPlan:
    """Save the school's draft: edits the current draft, or starts version n + 1 after a
    return (or to revise an approved plan, which stays in force until the new one is)."""
    _require(actor, Cap.PRACTICE_PLAN, school)
    if program.ruleset.micro_abilities is None:
        raise ValidationError(PLAN_NOT_PRACTICE_PROGRAM)
    if environment not in Environment.values:
        raise ValidationError(PLAN_ENVIRONMENT_INVALID)
    topics = [t.strip()[:128] for t in research_topics if t and t.strip()]
    schedule = _clean_schedule(training_schedule)
    School.objects.select_for_update().filter(pk=school.pk).first()  # one writer per school
    plan = latest_plan(school, program)
    if plan is not None and plan.status == SchoolPlan.Status.SUBMITTED:
        raise ValidationError(PLAN_WAITING)
    if plan is None or plan.status != SchoolPlan.Status.DRAFT:
        number = (SchoolPlan.objects.filter(school=school, program=program).aggregate(n=Max("version"))["n"] or 0) + 1
        plan = SchoolPlan(school=school, program=program, version=number, created_by=actor)
    plan.goals, plan.environment = (goals or "").strip(), environment
    plan.research_topics, plan.training_schedule = topics, schedule
    plan.full_clean(exclude=["research_topics", "training_schedule"])  # may be empty in a draft
    plan.save()
    audit(actor=actor, action="practice.plan_save", obj=plan, scope_path=school.path, version=plan.version)
    return plan


@transaction.atomic
def plan_submit(*, actor, plan: SchoolPlan) -> SchoolPlan:
    _require(actor, Cap.PRACTICE_PLAN, plan.school)
    plan = SchoolPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != SchoolPlan.Status.DRAFT:
        raise ValidationError(PLAN_NOT_DRAFT)
    if not plan.goals:
        raise ValidationError(PLAN_GOALS_REQUIRED)
    if not plan.research_topics:
        raise ValidationError(PLAN_TOPICS_REQUIRED)
    if not plan.training_schedule:
        raise ValidationError(PLAN_SCHEDULE_REQUIRED)
    plan.status, plan.submitted_at = SchoolPlan.Status.SUBMITTED, timezone.now()
    plan.save(update_fields=["status", "submitted_at"])
    audit(actor=actor, action="practice.plan_submit", obj=plan, scope_path=plan.school.path, version=plan.version)
    return plan


@transaction.atomic
def plan_decide(*, actor, plan: SchoolPlan, approve: bool, comments: str = "") -> SchoolPlan:
    """The county approves the plan, or returns it with comments (the school then answers
    with a new version)."""
    _require(actor, Cap.PRACTICE_PLAN_APPROVE, plan.school)
    plan = SchoolPlan.objects.select_for_update().select_related("school").get(pk=plan.pk)
    if plan.status != SchoolPlan.Status.SUBMITTED:
        raise ValidationError(PLAN_NOT_SUBMITTED)
    comments = (comments or "").strip()
    if not approve and not comments:
        raise ValidationError(PLAN_RETURN_NEEDS_COMMENTS)
    plan.status = SchoolPlan.Status.APPROVED if approve else SchoolPlan.Status.RETURNED
    plan.decided_by, plan.decided_at, plan.comments = actor, timezone.now(), comments
    plan.save(update_fields=["status", "decided_by", "decided_at", "comments"])
    audit(actor=actor, action="practice.plan_approve" if approve else "practice.plan_return", obj=plan,
          scope_path=plan.school.path, version=plan.version)
    return plan


def _works_at(user, school: School) -> bool:
    teacher = getattr(user, "teacher", None)
    if teacher is not None and teacher.school_id == school.pk:
        return True
    return RoleAssignment.objects.filter(user=user, school=school).exists()


@transaction.atomic
def team_member_add(*, actor, school: School, program: Program, user, role: str) -> TeamMember:
    """Name a member of the management team. An assessor also gets the school_assessor role
    at the school, which lets them grade evidence."""
    _require(actor, Cap.PRACTICE_PLAN, school)
    if role not in TeamMember.TeamRole.values:
        raise ValidationError(TEAM_MEMBER_NOT_AT_SCHOOL)
    if not _works_at(user, school):
        raise ValidationError(TEAM_MEMBER_NOT_AT_SCHOOL)
    member, created = TeamMember.objects.get_or_create(school=school, program=program, user=user, role=role)
    if role == TeamMember.TeamRole.ASSESSOR:
        role_assign(actor=actor, user=user, role=Role.SCHOOL_ASSESSOR, node=school)
    if created:
        audit(actor=actor, action="practice.team_add", obj=member, scope_path=school.path, role=role,
              user=user.pk)
    return member


@transaction.atomic
def team_member_remove(*, actor, member: TeamMember) -> None:
    from tisheng.accounts.services import role_revoke

    _require(actor, Cap.PRACTICE_PLAN, member.school)
    if member.role == TeamMember.TeamRole.ASSESSOR and not TeamMember.objects.filter(
            user=member.user, school=member.school, role=TeamMember.TeamRole.ASSESSOR).exclude(pk=member.pk).exists():
        for assignment in RoleAssignment.objects.filter(user=member.user, school=member.school,
                                                        role=Role.SCHOOL_ASSESSOR):
            role_revoke(actor=actor, assignment=assignment)
    audit(actor=actor, action="practice.team_remove", obj=member, scope_path=member.school.path, role=member.role,
          user=member.user_id)
    member.delete()
