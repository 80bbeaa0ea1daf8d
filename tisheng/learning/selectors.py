"""Reads of the catalogue, contracts, selections and learning progress, always scoped to the
actor (or, for a teacher's catalogue, to the teacher's own place in the tree)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least, Length
from django.utils import timezone

from tisheng.accounts.roles import Cap, Role
from tisheng.learning.models import Contract, Course, CourseSelection, QuizAttempt, tag
from tisheng.orgs.models import Organization
from tisheng.orgs.scope import capability_paths, path_q, scope_filter

IDLE_DAYS = 7


def course_has_quiz(course: Course) -> bool:
    """Whether the course has a quiz with at least one question."""
    return Course.objects.filter(pk=course.pk, quiz__questions__isnull=False).exists()


def quiz_passed(teacher, course: Course) -> bool:
    """True when the course has no quiz, or the teacher has passed it at least once."""
    if not course_has_quiz(course):
        return True
    return QuizAttempt.objects.filter(teacher=teacher, quiz__course=course, passed=True).exists()


def institutions_of(actor) -> QuerySet[Organization]:
    """The training institutions the actor holds the institution role at."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Organization.objects.none()
    return Organization.objects.filter(kind="institution", roleassignment__user=actor,
                                       roleassignment__role=Role.INSTITUTION).distinct()


def courses_of_institutions(actor) -> QuerySet[Course]:
    return (Course.objects.filter(institution__in=institutions_of(actor))
            .select_related("institution", "program").annotate(lesson_count=Count("lessons")))


def get_course_for_institution(actor, pk: int) -> Course:
    from django.http import Http404

    course = courses_of_institutions(actor).filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def online_required_hours(program) -> Decimal:
    """The 学时 a teacher's selection must reach: the rule set's online minimum, or, when it
    sets none (2.0), the part of the required hours that need not be practice:
    required_hours × (1 − min_practice_share)."""
    rs = program.ruleset
    online = rs.min_hours.get("online")
    if online:
        return Decimal(online)
    return (rs.required_hours * (1 - rs.min_practice_share)).quantize(Decimal("0.1"))


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def contracted_institutions_for(teacher, program) -> QuerySet:
    """Institution ids serving the teacher's place in `program`: the contracts at the deepest
    region above the teacher that has any (a city's or county's choice replaces the
    province's selection for its area, as in the Fujian notice)."""
    ancestors = _ancestor_paths(teacher.org_path)
    deepest = (Contract.objects.filter(program=program, region_path__in=ancestors)
               .annotate(depth=Length("region_path")).order_by("-depth").values("region_path")[:1])
    return Contract.objects.filter(program=program, region_path=Subquery(deepest)).values("institution_id")


# Upper apps take institutions out of a teacher's catalogue (institutions: a suspension or
# termination in effect where the teacher is). Each is `f(teacher, courses) -> courses`,
# registered at start-up, so learning imports none of them.
CATALOGUE_COURSE_FILTERS: list = []


def catalogue_for_teacher(teacher, program, *, q: str = "", topic: str = "", subject: str = "",
                          stage: str = "") -> QuerySet[Course]:
    """Published courses of the institutions contracted for the teacher's region in `program`."""
    courses = Course.objects.filter(program=program, status=Course.Status.PUBLISHED,
                                    institution_id__in=contracted_institutions_for(teacher, program))
    for narrow in CATALOGUE_COURSE_FILTERS:
        courses = narrow(teacher, courses)
    if q:
        courses = courses.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(code__icontains=q))
    for value in (topic, subject, stage):
        if value:
            courses = courses.filter(search_tags__contains=tag(value))
    return courses.select_related("institution").annotate(lesson_count=Count("lessons")).order_by("code")


def recommended_course_ids(teacher, program) -> list[int]:
    """The diagnostic test's recommendation (diagnostics app); none until it offers one."""
    try:
        from tisheng.diagnostics.selectors import recommended_course_ids as recommend
    except ImportError:
        return []
    return list(recommend(teacher, program))


def selections_of(teacher, program) -> QuerySet[CourseSelection]:
    return (CourseSelection.objects.filter(teacher=teacher, program=program)
            .select_related("course__institution").order_by("selected_at", "id"))


def selection_for_playback(teacher, course: Course) -> QuerySet[CourseSelection]:
    """The teacher's selection of `course` in the course's program, while the teacher is enrolled
    in that program: what playing its lessons, and earning its hours, needs (at most one row)."""
    return CourseSelection.objects.filter(teacher=teacher, course=course, program_id=course.program_id,
                                          program__enrollments__teacher=teacher)


def selected_hours(selections, teacher=None) -> Decimal:
    """The 学时 the selected courses count for against the program's requirement (已选学时).

    Given the teacher, a course whose institution is out where the teacher is (suspended or
    terminated there: learning.crediting.COURSE_CREDIT_STOPS, which institutions fills) counts only
    what it already earned in the ledger (completed in the player, or carried over on a
    termination), not its hours: it can earn no more, so the teacher must choose another course.
    Each selection gets `counted` (its 学时 in the total) and `credit_stopped` (it counts less
    than its hours for that reason; a course finished before stays as it was) for the pages.
    One question to the stops and, only when one applies, one grouped ledger query."""
    from tisheng.learning.crediting import CARRY_OVER, credit_stops
    from tisheng.ledger.models import LedgerEntry

    selections = list(selections)
    stopped = credit_stops({(teacher.org_path, s.course.institution_id) for s in selections}) \
        if teacher is not None and selections else {}
    for s in selections:
        s.credit_stopped = (teacher.org_path, s.course.institution_id) in stopped if stopped else False
    earned: dict[tuple[int, str], Decimal] = {}
    if any(s.credit_stopped for s in selections):
        earned = {(p, c): h for p, c, h in LedgerEntry.objects.filter(
            teacher_id=teacher.pk, program_id__in={s.program_id for s in selections},
            source_kind__in=("course", CARRY_OVER),
            source_id__in=[str(s.course_id) for s in selections if s.credit_stopped])
            .values_list("program_id", "source_id").annotate(h=Sum("hours")).order_by()}
    for s in selections:
        hours = Decimal(s.course.hours)
        s.counted = (max(Decimal(0), min(hours, earned.get((s.program_id, str(s.course_id)), Decimal(0))))
                     if s.credit_stopped else hours)
        s.credit_stopped = s.counted < hours
    return sum((s.counted for s in selections), Decimal(0))


def contracts_for(actor, program) -> QuerySet[Contract]:
    """Contracts the actor may see for a program: those at or below the regions where they
    manage contracts, and the province's selection above them (what a city chooses from)."""
    paths = capability_paths(actor, Cap.CONTRACTS_MANAGE)
    visible = path_q("region_path", paths) | Q(region__level="province") if paths else Q(pk__in=[])
    return (Contract.objects.filter(program=program).filter(visible)
            .select_related("institution", "region").order_by("region_path", "institution__code"))


HOURS = DecimalField(max_digits=7, decimal_places=1)


def _earned_subquery() -> Coalesce:
    """Inside a CourseSelection query: what its course already earned the teacher in the ledger
    (its completion, or hours carried over when its institution was terminated), 0 if nothing.
    Ledger rows by (program, teacher): an index."""
    from tisheng.learning.crediting import CARRY_OVER
    from tisheng.ledger.models import LedgerEntry

    earned = Subquery(
        LedgerEntry.objects.filter(teacher_id=OuterRef("teacher_id"), program_id=OuterRef("program_id"),
                                   source_kind__in=("course", CARRY_OVER),
                                   source_id=Cast(OuterRef("course_id"), CharField()))
        .values("teacher_id").annotate(h=Sum("hours")).values("h")[:1], output_field=HOURS)
    return Coalesce(earned, Value(Decimal(0)), output_field=HOURS)


def _stopped(areas: set[tuple[int, str]]) -> Q:
    """Inside a CourseSelection query: its course's institution is out where the teacher is."""
    from tisheng.learning.crediting import stopped_q

    return stopped_q(areas, institution="course__institution_id", path="teacher__org_path")


def _hours_subquery(program, areas: set[tuple[int, str]] = frozenset()) -> Subquery:
    """A teacher's selected 学时 in `program`, as selected_hours counts them: given the areas
    where courses earn no more hours (crediting.credit_stop_areas), a selected course of an
    institution out where the teacher is counts only what it already earned (at most its hours).
    The ledger is read inside the same statement, for such selections only; no area, the plain
    sum of before."""
    counted = F("course__hours")
    if areas:
        counted = Case(When(_stopped(areas), then=Greatest(Value(Decimal(0)), Least(
                           F("course__hours"), _earned_subquery(), output_field=HOURS), output_field=HOURS)),
                       default=F("course__hours"), output_field=HOURS)
    return Subquery(CourseSelection.objects.filter(teacher=OuterRef("teacher_id"), program=program)
                    .values("teacher").annotate(h=Sum(counted, output_field=HOURS)).values("h")[:1],
                    output_field=HOURS)


def enrollments_with_selection(actor, program) -> QuerySet:
    """The actor's enrollments in `program` with `selected` (学时 selected, as the teacher's own
    page counts them: see _hours_subquery), `started`, and `credit_stopped` (a selected course
    counts less than its hours because its institution is out where the teacher is: they must
    choose again). One more query for the stop areas; then as many statements as before, whatever
    the number of teachers."""
    from tisheng.learning.crediting import credit_stop_areas
    from tisheng.programs.models import Enrollment

    areas = credit_stop_areas()
    selections = CourseSelection.objects.filter(teacher=OuterRef("teacher_id"), program=program)
    qs = scope_filter(Enrollment.objects.filter(program=program), actor, Cap.LEARNING_MONITOR)
    return qs.annotate(
        selected=Coalesce(_hours_subquery(program, areas), Value(Decimal(0)), output_field=HOURS),
        started=Exists(selections.filter(started_at__isnull=False)),
        credit_stopped=Exists(selections.filter(_stopped(areas)).annotate(earned=_earned_subquery())
                              .filter(earned__lt=F("course__hours"))) if areas else Value(False),
    )


def selection_summary_by_school(actor, program) -> list[dict]:
    """Per school: enrolled teachers, those whose selection reaches the requirement, and
    those who have started a course (one grouped query)."""
    required = online_required_hours(program)
    rows = (enrollments_with_selection(actor, program)
            .values("school_id", "school__name", "school__code")
            .annotate(enrolled=Count("id"),
                      complete=Count("id", filter=Q(selected__gte=required)),
                      started_count=Count("id", filter=Q(started=True)),
                      online=Sum("online_hours"))
            .order_by("school__code"))
    return [{**r, "missing": r["enrolled"] - r["complete"]} for r in rows]


def teachers_without_selection(actor, program) -> QuerySet:
    required = online_required_hours(program)
    return (enrollments_with_selection(actor, program).filter(selected__lt=required)
            .select_related("teacher", "school").order_by("school__code", "teacher__name", "id"))


def monitor_enrollments(actor, program, *, school_id: int | None = None, idle_only: bool = False) -> QuerySet:
    """Enrollments for the county's monitoring list, with `last_activity`: the latest start
    of a course (the player's heartbeats refine it, see last_activity_for)."""
    qs = enrollments_with_selection(actor, program).annotate(
        last_start=Subquery(CourseSelection.objects.filter(teacher=OuterRef("teacher_id"), program=program)
                            .values("teacher").annotate(m=Max("started_at")).values("m")[:1]))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if idle_only:
        qs = qs.filter(started=True, last_start__lt=timezone.now() - dt.timedelta(days=IDLE_DAYS))
    return qs.select_related("teacher", "school").order_by("school__code", "teacher__name", "id")


def last_activity_for(enrollments: list) -> dict[int, dt.datetime]:
    """teacher id → last learning activity: the player's last heartbeat when the playback app
    offers it, else the latest course start (one query for the page)."""
    ids = [e.teacher_id for e in enrollments]
    fallback = {e.teacher_id: e.last_start for e in enrollments if getattr(e, "last_start", None)}
    try:
        from tisheng.playback.selectors import last_activity_by_teacher
    except ImportError:
        return fallback
    found = last_activity_by_teacher(ids) if ids else {}
    return {**fallback, **{k: v for k, v in found.items() if v}}


def institution_learners(actor) -> QuerySet[CourseSelection]:
    """Selections of the actor's institutions' courses by teachers inside the regions the
    institutions are contracted for."""
    from tisheng.programs.models import Enrollment

    paths = capability_paths(actor, Cap.COURSES_MANAGE)
    return (CourseSelection.objects.filter(course__institution__in=institutions_of(actor))
            .filter(path_q("teacher__org_path", paths))
            .select_related("teacher__school", "course", "program")
            .annotate(teacher_online=Subquery(Enrollment.objects.filter(
                teacher=OuterRef("teacher_id"), program=OuterRef("program_id")).values("online_hours")[:1]))
            .order_by("teacher__org_path", "teacher__name", "course__code", "id"))
