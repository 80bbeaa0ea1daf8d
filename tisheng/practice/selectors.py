"""Reads of the practice app. Each takes the actor and returns what the actor may see
(the scope filter in orgs/scope.py), never `Model.objects.all()` in a view."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import School
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.people.models import Teacher
from tisheng.practice.models import (
    EvidenceTask,
    Grade,
    PeerAssignment,
    PointChoice,
    PointResult,
    Review,
    SchoolPlan,
    Submission,
)
from tisheng.programs.models import Program
from tisheng.programs.selectors import whole_staff_first


def practice_programs() -> list[Program]:
    """Active programs with micro-ability practice (2.0 and its variants)."""
    return [p for p in whole_staff_first(Program.objects.filter(status=Program.Status.ACTIVE)
                                         .order_by("-start_date", "code"))
            if p.ruleset.micro_abilities is not None]


def practice_program(code: str | None = None) -> Program:
    programs = practice_programs()
    for p in programs:
        if code is None or p.code == code:
            return p
    raise Http404


def school_for_user(actor, pk: int, capability: str = Cap.PRACTICE_VIEW) -> School:
    """A school the actor may see practice of (404 outside scope, 403 without `capability`)."""
    school = get_object_for_user(actor, School.objects.select_related("county"), Cap.ORGS_VIEW, pk=pk)
    if not scope_filter(School.objects.filter(pk=school.pk), actor, capability).exists():
        if not scope_filter(School.objects.filter(pk=school.pk), actor, Cap.PRACTICE_VIEW).exists():
            raise Http404
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return school


def plans_overview(actor, program: Program) -> QuerySet:
    """Schools in the actor's scope with their latest plan's version and status (one query)."""
    latest = SchoolPlan.objects.filter(school=OuterRef("pk"), program=program).order_by("-version")
    approved = latest.filter(status=SchoolPlan.Status.APPROVED)
    schools = School.objects.filter(Q(pk__in=Subquery(scope_filter(School.objects.all(), actor, Cap.PRACTICE_VIEW)
                                                      .values("pk"))))
    return (schools.select_related("county")
            .annotate(plan_version=Subquery(latest.values("version")[:1]),
                      plan_status=Subquery(latest.values("status")[:1]),
                      plan_id=Subquery(latest.values("pk")[:1]),
                      approved_version=Subquery(approved.values("version")[:1]),
                      plan_environment=Subquery(approved.values("environment")[:1]))
            .order_by("path"))


def school_plans(actor, school: School, program: Program) -> list[SchoolPlan]:
    return list(scope_filter(SchoolPlan.objects.filter(school=school, program=program), actor, Cap.PRACTICE_VIEW)
                .select_related("created_by", "decided_by").order_by("-version"))


def visible_submissions(actor) -> QuerySet:
    """Submissions the actor may open: in scope (the teacher, their school's admins and
    assessors, the offices over the school), as the assigned peer reviewer of the point, or
    as the spot-check reviewer of the point's result."""
    from tisheng.practice.checks.models import SpotCheckItem

    base = Submission.objects.all()
    q = Q(pk__in=scope_filter(base, actor, Cap.PRACTICE_VIEW).values("pk"))
    if getattr(actor, "is_authenticated", False):
        peer = PeerAssignment.objects.filter(program=OuterRef("program"), teacher=OuterRef("teacher"),
                                             point=OuterRef("task__point_version__point"), reviewer__user=actor)
        spot = SpotCheckItem.objects.filter(result__program=OuterRef("program"), result__teacher=OuterRef("teacher"),
                                            result__point=OuterRef("task__point_version__point"), reviewer=actor)
        q |= Q(Exists(peer)) | Q(Exists(spot))
    return base.filter(q)


def submission_for_user(actor, pk: int) -> Submission:
    submission = (visible_submissions(actor).select_related("teacher", "teacher__school", "task",
                                                            "task__point_version__point")
                  .filter(pk=pk).first())
    if submission is None:
        raise Http404
    return submission


def teacher_for_assessment(actor, pk: int) -> Teacher:
    return get_object_for_user(actor, Teacher.objects.select_related("school"), Cap.TEACHERS_VIEW, pk=pk)


@dataclass
class QueueRow:
    """One teacher × chosen point of the assessment queue (plain values, no model instances:
    a school of 300 teachers has 900 of them)."""

    teacher_id: int
    teacher_name: str
    teacher_subject: str
    point_id: int
    point_code: str
    point_version_id: int
    version_name: str
    task_count: int = 0
    submitted_count: int = 0
    graded_count: int = 0
    result_value: str | None = None
    result_status: str | None = None
    result_recommended: bool = False
    result_decided_at: object = None
    latest_submitted_at: object = None


def assessment_queue(actor, school: School, program: Program) -> list[QueueRow]:
    """The school's teachers × chosen points with how far each has come: tasks, current
    submissions, team-graded items, the result. Five queries (the choices, then one
    GROUP BY each for tasks, submissions and graded items, and the results), whatever the
    number of rows."""
    choices = [QueueRow(*row) for row in
               scope_filter(PointChoice.objects.filter(program=program, teacher__school=school), actor,
                            Cap.PRACTICE_VIEW)
               .order_by("teacher__name", "teacher_id", "point_id")
               .values_list("teacher_id", "teacher__name", "teacher__subject", "point_id", "point__code",
                            "point_version_id", "point_version__name")]
    if not choices:
        return []
    versions = {c.point_version_id for c in choices}
    tasks = dict(EvidenceTask.objects.filter(point_version_id__in=versions).order_by()
                 .values("point_version_id").annotate(n=Count("pk")).values_list("point_version_id", "n"))
    current = Submission.objects.filter(program=program, teacher__school=school, is_current=True).order_by()
    submitted, latest = {}, {}
    for t, v, n, at in (current.values("teacher_id", "task__point_version_id")
                        .annotate(n=Count("pk"), at=Max("created_at"))
                        .values_list("teacher_id", "task__point_version_id", "n", "at")):
        submitted[(t, v)], latest[(t, v)] = n, at
    graded_rows = (current.filter(Exists(Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM)))
                   .values("teacher_id", "task__point_version_id").annotate(n=Count("pk"))
                   .values_list("teacher_id", "task__point_version_id", "n"))
    graded = {(t, v): n for t, v, n in graded_rows}
    results = {(t, p): (r, st, rec, at) for t, p, r, st, rec, at in
               PointResult.objects.filter(program=program, teacher__school=school).order_by()
               .values_list("teacher_id", "point_id", "result", "status", "recommended", "decided_at")}
    for c in choices:
        key = (c.teacher_id, c.point_version_id)
        c.task_count = tasks.get(c.point_version_id, 0)
        c.submitted_count = submitted.get(key, 0)
        c.graded_count = graded.get(key, 0)
        c.latest_submitted_at = latest.get(key)
        c.result_value, c.result_status, c.result_recommended, c.result_decided_at = results.get(
            (c.teacher_id, c.point_id), (None, None, False, None))
    return choices


def queue_stage(row: QueueRow) -> str:
    """Where a queue row stands: decided, returned, ready (all items in, waiting for the
    team), partly graded, or still being submitted."""
    if row.result_status == PointResult.Status.ASSESSED:
        # A 不合格 point whose teacher resubmitted since is back in the queue.
        resubmitted = (row.result_value == Grade.FAIL and row.latest_submitted_at is not None
                       and row.result_decided_at is not None and row.latest_submitted_at > row.result_decided_at)
        if not resubmitted:
            return "decided"
    if row.submitted_count < row.task_count:
        return "submitting"
    if row.graded_count < row.task_count:
        return "waiting"
    return "ready"


def peer_assignments_of(actor, program: Program) -> QuerySet:
    return (PeerAssignment.objects.filter(program=program, reviewer__user=actor)
            .select_related("teacher", "point").order_by("teacher__name", "point_id"))
