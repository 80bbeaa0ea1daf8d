"""Reads of study classes, always scoped to the actor.

Who sees a class: the institution or teacher college that formed it (its managers), its tutors,
its members (teachers), and offices whose area holds the class's region. One Q for all four, so a
list and a `get` cost one query each; anything else 404s (zulip's access_* rule).

The class page's progress (started, hours, idle days, practice) is ONE query over the members
with correlated subqueries, as the learning monitor does, plus one grouped query of the player's
last heartbeats: 4 queries for the page, whether the class has 5 teachers or 200."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.communities.models import Assignment, AssignmentSubmission, ClassMember, ClassTutor, StudyClass
from tisheng.learning.models import Contract, CourseSelection
from tisheng.orgs.models import Organization, Region
from tisheng.orgs.scope import NOTHING, capability_paths, grants_for, path_q
from tisheng.practice.models import PointChoice, PointResult
from tisheng.programs.models import Enrollment

IDLE_DAYS = 7
FORMING_ROLES = (Role.INSTITUTION, Role.TEACHER_COLLEGE)


def forming_organizations(actor) -> QuerySet[Organization]:
    """The institutions and teacher colleges where the actor may form classes."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=RoleAssignment.objects.filter(user=actor, role__in=FORMING_ROLES, organization__isnull=False)
        .values("organization_id")).order_by("code")


def _managed_org_ids(actor) -> list[int]:
    return list(forming_organizations(actor).values_list("pk", flat=True))


def visible_q(actor) -> Q:
    """Classes the actor may open: formed by their organization, tutored, attended, or in their area."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not grants_for(actor):
        return NOTHING
    q = Q(organization_id__in=_managed_org_ids(actor)) if any(g.role in FORMING_ROLES for g in grants_for(actor)) \
        else NOTHING
    q |= Q(Exists(ClassTutor.objects.filter(study_class=OuterRef("pk"), user=actor)))
    q |= Q(Exists(ClassMember.objects.filter(study_class=OuterRef("pk"), teacher__user=actor)))
    q |= path_q("region_path", capability_paths(actor, Cap.COMMUNITIES_OVERSEE))
    return q


def classes_for(actor, *, program=None) -> QuerySet[StudyClass]:
    qs = StudyClass.objects.filter(visible_q(actor))
    if program is not None:
        qs = qs.filter(program=program)
    return (qs.select_related("program", "organization", "region", "school")
            .annotate(member_count=Count("members", distinct=True))
            .order_by("program__code", "region_path", "name", "id"))


def get_class_for_user(actor, pk: int, *, with_viewer: bool = False, related: bool = True) -> StudyClass:
    """The class, 404 unless the actor may open it. `with_viewer`: the same query also says whether
    the actor tutors and attends it, so `is_tutor` and `attends` ask nothing more (the reply path).
    `related=False`: without its program, organization, region and school (a discussion page shows
    only the class's name; joining and building four more models was most of a reply's CPU)."""
    qs = StudyClass.objects.filter(visible_q(actor), pk=pk)
    if related:
        qs = qs.select_related("program", "organization", "region", "school")
    if with_viewer:
        qs = qs.annotate(
            viewer_tutors=Exists(ClassTutor.objects.filter(study_class=OuterRef("pk"), user=actor)),
            viewer_attends=Exists(ClassMember.objects.filter(study_class=OuterRef("pk"), teacher__user=actor)))
    study_class = qs.order_by("pk").first()  # one class by its key: no join for the default ordering's program
    if study_class is None:
        raise Http404
    if with_viewer:
        study_class.viewer_pk = actor.pk
    return study_class


def _viewer_flag(actor, study_class: StudyClass, flag: str) -> bool | None:
    """What `get_class_for_user(…, with_viewer=True)` found for this actor, or None."""
    if getattr(study_class, "viewer_pk", None) == actor.pk:
        return getattr(study_class, flag)
    return None


def can_manage(actor, study_class: StudyClass) -> bool:
    """Form, rename, add or remove members, assign tutors: the forming organization. Without an
    institution or teacher-college role (known from the grants already loaded) no query."""
    if not any(g.role in FORMING_ROLES for g in grants_for(actor)):
        return False
    return study_class.organization_id in _managed_org_ids(actor)


def is_tutor(actor, study_class: StudyClass) -> bool:
    known = _viewer_flag(actor, study_class, "viewer_tutors")
    if known is not None:
        return known
    return ClassTutor.objects.filter(study_class=study_class, user=actor).exists()


def attends(actor, study_class: StudyClass) -> bool:
    """The actor is one of the class's members (a teacher in it)."""
    known = _viewer_flag(actor, study_class, "viewer_attends")
    if known is not None:
        return known
    return study_class.members.filter(teacher__user=actor).exists()


def can_guide(actor, study_class: StudyClass) -> bool:
    """Remind, announce, issue bulletins: the class's tutors, and the forming organization."""
    return is_tutor(actor, study_class) or can_manage(actor, study_class)


def can_oversee(actor, study_class: StudyClass) -> bool:
    """An office whose area holds the class sees its progress (not only its notices)."""
    p = study_class.region_path
    return any(p == root or p.startswith(root + "/") for root in capability_paths(actor, Cap.COMMUNITIES_OVERSEE))


def contract_regions(organization: Organization, program) -> QuerySet[Region]:
    """Regions (counties and above, below the province) where `organization` may form classes in
    `program`: a training institution at or below its contracts for the program; a teacher college
    (which is never contracted) in its own area."""
    if organization.kind == "teacher_college":
        paths = [organization.region.path] if organization.region_id else []
    else:
        paths = list(Contract.objects.filter(institution=organization, program=program)
                     .values_list("region_path", flat=True))
    if not paths:
        return Region.objects.none()
    return Region.objects.filter(path_q("path", paths)).exclude(level="province").order_by("path")


def contracted_programs(organization: Organization):
    """Active programs the organization may form classes for."""
    from tisheng.programs.models import Program

    programs = Program.objects.filter(status="active")
    if organization.kind != "teacher_college":
        programs = programs.filter(contracts__institution=organization)
    return programs.distinct().order_by("-start_date", "code")


def tutors_of(organization: Organization):
    """Users holding the tutor role at the organization (who can be assigned to its classes)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(role_assignments__role=Role.TUTOR,
                                           role_assignments__organization=organization).distinct().order_by("name")


def candidate_enrollments(study_class: StudyClass, *, school_id: int | None = None,
                          subject: str = "") -> QuerySet[Enrollment]:
    """Enrollments of the class's program in its region (and school, subject) that are in no class yet."""
    qs = Enrollment.objects.filter(program_id=study_class.program_id).filter(
        path_q("org_path", [study_class.region_path])).exclude(state="exempt")
    school_id = school_id or study_class.school_id
    subject = subject or study_class.subject
    if school_id:
        qs = qs.filter(school_id=school_id)
    if subject:
        qs = qs.filter(teacher__subject=subject)
    taken = ClassMember.objects.filter(program_id=study_class.program_id, teacher_id=OuterRef("teacher_id"))
    return qs.filter(~Exists(taken), teacher__status="active")


@dataclass
class MemberRow:
    member_id: int
    teacher_id: int
    name: str
    school: str
    subject: str
    started: bool
    online_hours: Decimal
    total_hours: Decimal
    state: str
    points_chosen: int
    points_passed: int
    last_activity: dt.datetime | None
    idle_days: int | None  # days since the last activity; None when never started

    @property
    def is_idle(self) -> bool:
        return self.idle_days is not None and self.idle_days >= IDLE_DAYS

    # What the class page prints, made here once per row: the same text the template filters and
    # {% blocktranslate %} gave (floatformat:1, date "Y-m-d", the same msgids), at a fraction of
    # their cost over a few hundred rows.
    @property
    def online_display(self) -> str:
        return _one_decimal(self.online_hours)

    @property
    def total_display(self) -> str:
        return _one_decimal(self.total_hours)

    @property
    def last_day(self) -> str:
        return timezone.localtime(self.last_activity).strftime("%Y-%m-%d") if self.last_activity else ""

    @property
    def idle_label(self) -> str:
        return gettext("%(days)s days idle") % {"days": self.idle_days}

    @property
    def points_label(self) -> str:
        return gettext("%(passed)s of %(chosen)s passed") % {"passed": self.points_passed,
                                                              "chosen": self.points_chosen}


def _one_decimal(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _count(qs) -> Subquery:
    return Coalesce(Subquery(qs.values("teacher").annotate(n=Count("id")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def member_rows(study_class: StudyClass, *, now: dt.datetime | None = None) -> list[MemberRow]:
    """Every member with their progress in the class's program (2 queries, see the module docstring).
    Started: a course started, a heartbeat, or online hours already credited (hours that came
    through xAPI or an import have no course start here)."""
    program_id = study_class.program_id
    hours = DecimalField(max_digits=7, decimal_places=2)
    enrollment = Enrollment.objects.filter(program_id=program_id, teacher_id=OuterRef("teacher_id"))
    selections = CourseSelection.objects.filter(program_id=program_id, teacher_id=OuterRef("teacher_id"))
    rows = (ClassMember.objects.filter(study_class=study_class)
            .annotate(
                online=Coalesce(Subquery(enrollment.values("online_hours")[:1], output_field=hours),
                                Value(Decimal(0)), output_field=hours),
                total=Coalesce(Subquery(enrollment.values("total_hours")[:1], output_field=hours),
                               Value(Decimal(0)), output_field=hours),
                state=Subquery(enrollment.values("state")[:1]),
                started=Exists(selections.filter(started_at__isnull=False)),
                last_start=Subquery(selections.values("teacher").annotate(m=Max("started_at")).values("m")[:1]),
                chosen=_count(PointChoice.objects.filter(program_id=program_id, teacher_id=OuterRef("teacher_id"))),
                passed=_count(PointResult.objects.filter(program_id=program_id, teacher_id=OuterRef("teacher_id"),
                                                         status=PointResult.Status.ASSESSED,
                                                         result__in=["excellent", "pass"])),
            )
            .select_related("teacher__school").order_by("teacher__school__code", "teacher__name", "id"))
    rows = list(rows)
    from tisheng.playback.selectors import last_activity_by_teacher

    beats = last_activity_by_teacher([m.teacher_id for m in rows]) if rows else {}
    now = now or timezone.now()
    out = []
    for m in rows:
        candidates = [t for t in (beats.get(m.teacher_id), m.last_start) if t]
        last = max(candidates) if candidates else None
        out.append(MemberRow(
            member_id=m.pk, teacher_id=m.teacher_id, name=m.teacher.name, school=m.teacher.school.name,
            subject=m.teacher.subject, started=m.started or bool(last) or m.online > 0, online_hours=m.online,
            total_hours=m.total, state=m.state or "", points_chosen=m.chosen, points_passed=m.passed,
            last_activity=last, idle_days=(now - last).days if last else None))
    return out


def class_numbers(study_class: StudyClass, rows: list[MemberRow]) -> dict:
    """The class's totals (what the page's header and a bulletin say), JSON-able."""
    n = len(rows)
    started = sum(1 for r in rows if r.started)
    idle = sum(1 for r in rows if r.is_idle)
    online = sum((r.online_hours for r in rows), Decimal(0))
    complete = sum(1 for r in rows if r.state in ("complete", "under_review", "approved", "certified"))
    practising = sum(1 for r in rows if r.points_chosen)
    return {
        "members": n, "started": started, "not_started": n - started, "idle": idle,
        "started_rate": round(100 * started / n, 1) if n else 0.0,
        "complete": complete, "complete_rate": round(100 * complete / n, 1) if n else 0.0,
        "online_hours": float(online), "average_hours": round(float(online) / n, 1) if n else 0.0,
        "practising": practising, "points_passed": sum(r.points_passed for r in rows),
        "idle_names": [r.name for r in rows if r.is_idle][:20],
        "not_started_names": [r.name for r in rows if not r.started][:20],
    }


def assignments_of(study_class: StudyClass, actor) -> list[Assignment]:
    """The class's assignments with how many submitted and were graded, and the actor's own
    submission status when they are a member (one query)."""
    own = AssignmentSubmission.objects.filter(assignment=OuterRef("pk"), teacher__user=actor)
    return list(Assignment.objects.filter(study_class=study_class).annotate(
        submitted=Count("submissions", distinct=True),
        graded=Count("submissions", filter=Q(submissions__status="graded"), distinct=True),
        my_status=Subquery(own.values("status")[:1]),
    ).order_by("-due_at", "-id"))
