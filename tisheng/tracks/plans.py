"""The leadership track's deliverable: each participating school's informatization plan
(学校信息化发展规划, practice's SchoolPlan), reviewed by the office that runs the track on the
track's rubric, and followed term by term — the plan's goal (every teacher due meeting the
program's capability-point requirement by the program's end, on a straight path from its start)
against the school's practice results at each term's end (teachers with a passed point, teachers
meeting the requirement, from practice's point results), plus the runner's judgement per term.

The schools page costs a fixed number of queries: the participating schools, their latest plan
versions, their latest reviews, their enrollments and one pass over their passed point results
(only passed results, a few per teacher)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import School
from tisheng.orgs.scope import path_in_scope, scope_filter
from tisheng.practice.models import Grade, PointResult, SchoolPlan
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.tracks.models import (
    DEFAULT_PASS_MARK,
    DEFAULT_PLAN_RUBRIC,
    Nomination,
    PlanReview,
    TermCheck,
    Track,
)

if TYPE_CHECKING:
    from tisheng.accounts.models import User

NOT_A_PARTICIPANT = gettext_noop("%(school)s has no one selected for this track.")
NO_PLAN = gettext_noop("%(school)s has not submitted its informatization plan yet.")
BAD_SCORE = gettext_noop("Score “%(name)s” from 0 to %(max)s.")
BAD_TERM = gettext_noop("Choose a term of the track's period.")
BAD_RATING = gettext_noop("Choose a judgement.")
BAD_RUBRIC = gettext_noop("Each criterion needs a name and full marks from 1 to 100; the pass mark is from 0 to the "
                          "total.")
NO_RUBRIC = gettext_noop("This track has no rubric for a deliverable.")

NOTE = gettext_noop("Note: %(note)s")

PLAN_REVIEWED = "tracks.plan_reviewed"
TERM_CHECKED = "tracks.term_checked"
RUBRIC_SET = "tracks.rubric_set"


# Terms ----------------------------------------------------------------------------------------
# "2025-1" is 2025—2026学年第一学期 (September to January), "2025-2" its second term (February to
# August).


def term_of(day: dt.date) -> str:
    if day.month >= 9:
        return f"{day.year}-1"
    if day.month >= 2:
        return f"{day.year - 1}-2"
    return f"{day.year - 1}-1"


def term_bounds(term: str) -> tuple[dt.date, dt.date]:
    year, half = (int(x) for x in term.split("-"))
    if half == 1:
        return dt.date(year, 9, 1), dt.date(year + 1, 1, 31)
    return dt.date(year + 1, 2, 1), dt.date(year + 1, 8, 31)


def term_label(term: str) -> str:
    year, half = term.split("-")
    return _("%(start)s—%(end)s school year, term %(half)s") % {
        "start": year, "end": int(year) + 1, "half": "一" if half == "1" else "二"}


def terms_between(start: dt.date, end: dt.date) -> list[str]:
    terms, day = [], start
    while day <= end:
        term = term_of(day)
        terms.append(term)
        day = term_bounds(term)[1] + dt.timedelta(days=1)
    return terms


# Reads ----------------------------------------------------------------------------------------


def participating_schools(actor: User, track: Track) -> QuerySet[School]:
    """Schools with someone selected for the track, those in the actor's scope."""
    ids = Nomination.objects.filter(track=track, state=Nomination.State.SELECTED).values("school_id")
    return scope_filter(School.objects.filter(pk__in=ids), actor, Cap.TRACKS_VIEW).order_by("path")


def plan_program(track: Track) -> Program:
    """The program whose school plans the track reviews: the newest active program with plans
    (2.0), else the newest program."""
    ids = SchoolPlan.objects.values("program_id")
    return (Program.objects.filter(pk__in=ids, status=Program.Status.ACTIVE).order_by("-start_date", "-pk").first()
            or Program.objects.filter(pk__in=ids).order_by("-start_date", "-pk").first()
            or track.program)


def latest_plans(program: Program, school_ids: list[int]) -> dict[int, SchoolPlan]:
    """Each school's latest plan version that left the school (submitted, approved or returned)."""
    plans: dict[int, SchoolPlan] = {}
    for plan in (SchoolPlan.objects.filter(program=program, school_id__in=school_ids)
                 .exclude(status=SchoolPlan.Status.DRAFT).order_by("school_id", "version")):
        plans[plan.school_id] = plan
    return plans


def latest_reviews(track: Track, school_ids: list[int]) -> dict[int, PlanReview]:
    reviews: dict[int, PlanReview] = {}
    for review in PlanReview.objects.filter(track=track, school_id__in=school_ids).order_by("school_id",
                                                                                            "reviewed_at", "pk"):
        reviews[review.school_id] = review
    return reviews


@dataclass
class TermFigures:
    term: str
    label: str
    scheduled: list[str] = field(default_factory=list)  # the plan's activities in the term
    due: int = 0
    with_pass: int = 0  # teachers with a passed point by the term's end
    met: int = 0  # teachers meeting the point requirement by the term's end
    expected: Decimal = Decimal(0)  # the plan's goal at the term's end, % of teachers due
    check: TermCheck | None = None
    current: bool = False
    future: bool = False

    @property
    def actual(self) -> Decimal | None:
        return (Decimal(self.met) * 100 / self.due).quantize(Decimal("0.1")) if self.due else None

    @property
    def gap(self) -> Decimal | None:
        return None if self.actual is None else max(self.expected - self.actual, Decimal(0))

    def as_dict(self) -> dict:
        return {"due": self.due, "with_pass": self.with_pass, "met": self.met, "expected": str(self.expected),
                "actual": None if self.actual is None else str(self.actual), "scheduled": self.scheduled}


def _expected(program: Program, end: dt.date) -> Decimal:
    span = (program.end_date - program.start_date).days or 1
    done = min(max((end - program.start_date).days, 0), span)
    return (Decimal(done) * 100 / span).quantize(Decimal("0.1"))


def _passed_by_teacher(program: Program, school_ids: list[int]) -> dict[int, dict[int, list[dt.date]]]:
    """{school id: {teacher id: sorted dates of the teacher's passed points}} (one query)."""
    out: dict[int, dict[int, list[dt.date]]] = {}
    rows = (PointResult.objects.filter(program=program, teacher__school_id__in=school_ids,
                                       status=PointResult.Status.ASSESSED, result__in=[Grade.EXCELLENT, Grade.PASS])
            .order_by("decided_at").values_list("teacher__school_id", "teacher_id", "decided_at"))
    for school_id, teacher_id, decided_at in rows:
        out.setdefault(school_id, {}).setdefault(teacher_id, []).append(timezone.localdate(decided_at))
    return out


def follow_up(track: Track, program: Program, schools: list[School], *, today: dt.date | None = None,
              terms: list[str] | None = None) -> dict[int, list[TermFigures]]:
    """Per school, one row per term of the track's period up to the current one: the plan's
    scheduled activities and goal against the school's practice results at the term's end, with
    the runner's check when there is one. A fixed number of queries for any number of schools."""
    today = today or timezone.localdate()
    ids = [s.pk for s in schools]
    plans = latest_plans(program, ids)
    rules = program.ruleset
    min_points = rules.micro_abilities.min_points if rules.micro_abilities else 1
    due = dict(Enrollment.objects.filter(program=program, school_id__in=ids).exclude(state=EnrollmentState.EXEMPT)
               .order_by().values_list("school_id").annotate(n=Count("pk")))
    passed = _passed_by_teacher(program, ids)
    checks = {(c.school_id, c.term): c for c in TermCheck.objects.filter(track=track, school_id__in=ids)}
    if terms is None:
        terms = terms_between(track.program.start_date, min(track.program.end_date, today))
    current = term_of(today)
    out: dict[int, list[TermFigures]] = {}
    for school in schools:
        plan = plans.get(school.pk)
        teachers = passed.get(school.pk, {})
        rows = []
        for term in terms:
            start, end = term_bounds(term)
            cutoff = min(end, today)
            row = TermFigures(term=term, label=term_label(term), due=due.get(school.pk, 0),
                              expected=_expected(program, end), check=checks.get((school.pk, term)),
                              current=term == current, future=start > today)
            row.with_pass = sum(1 for dates in teachers.values() if dates[0] <= cutoff)
            row.met = sum(1 for dates in teachers.values() if len(dates) >= min_points
                          and dates[min_points - 1] <= cutoff)
            if plan is not None:
                row.scheduled = [f"{item.get('date', '')} {item.get('title', '')}".strip()
                                 for item in plan.training_schedule or []
                                 if start.isoformat() <= str(item.get("date", "")) <= end.isoformat()]
            rows.append(row)
        out[school.pk] = rows
    return out


# Writes ---------------------------------------------------------------------------------------


def _require_runner(actor: User, track: Track) -> None:
    if not path_in_scope(actor, Cap.TRACKS_MANAGE, track.run_by_path):
        raise PermissionDenied


def _require_participant(track: Track, school: School) -> None:
    if not Nomination.objects.filter(track=track, school=school, state=Nomination.State.SELECTED).exists():
        raise ValidationError(_(NOT_A_PARTICIPANT) % {"school": school.name})


def _school_people(track: Track, school: School) -> list:
    """Who hears about the school's plan: its administrators and its selected participants."""
    users = list({a.user_id: a.user for a in RoleAssignment.objects.filter(
        role=Role.SCHOOL_ADMIN, school=school).select_related("user")}.values())
    known = {u.pk for u in users}
    for n in Nomination.objects.filter(track=track, school=school, state=Nomination.State.SELECTED).select_related(
            "teacher__user"):
        if n.teacher.user_id not in known:
            users.append(n.teacher)
            known.add(n.teacher.user_id)
    return users


def rubric_of(track: Track) -> list[dict]:
    return track.rubric or DEFAULT_PLAN_RUBRIC


@transaction.atomic
def rubric_set(*, actor: User, track: Track, rows: list[tuple[str, str, str]], pass_mark: str) -> Track:
    """The runner's rubric: (name, full marks, guide) rows; empty names are dropped."""
    _require_runner(actor, track)
    rubric = []
    try:
        for n, (name, maximum, guide) in enumerate(rows, start=1):
            name = name.strip()
            if not name:
                continue
            points = int(str(maximum).strip())
            if not 1 <= points <= 100:
                raise ValueError
            rubric.append({"code": f"c{n}", "name": name[:32], "max": points, "guide": guide.strip()[:200]})
        mark = int(str(pass_mark).strip())
    except ValueError as exc:
        raise ValidationError(_(BAD_RUBRIC)) from exc
    if not rubric or not 0 <= mark <= sum(c["max"] for c in rubric):
        raise ValidationError(_(BAD_RUBRIC))
    track.rubric, track.pass_mark = rubric, mark
    track.save(update_fields=["rubric", "pass_mark"])
    audit(actor=actor, action=RUBRIC_SET, obj=track, scope_path=track.run_by_path, criteria=len(rubric), pass_mark=mark)
    return track


@transaction.atomic
def plan_review_record(*, actor: User, track: Track, school: School, scores: dict[str, str],
                       comments: str = "") -> PlanReview:
    """Score the school's latest plan on the track's rubric; the school's administrators and its
    participants are told the score and whether it passed."""
    _require_runner(actor, track)
    _require_participant(track, school)
    plan = latest_plans(plan_program(track), [school.pk]).get(school.pk)
    if plan is None:
        raise ValidationError(_(NO_PLAN) % {"school": school.name})
    rubric = rubric_of(track)
    clean: dict[str, int] = {}
    errors = []
    for criterion in rubric:
        raw = str(scores.get(criterion["code"], "")).strip()
        try:
            points = int(raw)
        except ValueError:
            points = -1
        if not 0 <= points <= criterion["max"]:
            errors.append(_(BAD_SCORE) % {"name": criterion["name"], "max": criterion["max"]})
        clean[criterion["code"]] = points
    if errors:
        raise ValidationError(errors)
    total = sum(clean.values())
    pass_mark = track.pass_mark if track.rubric else DEFAULT_PASS_MARK
    review = PlanReview(track=track, school=school, school_path=school.path, plan=plan, plan_version=plan.version,
                        rubric=rubric, scores=clean, total=total, pass_mark=pass_mark, passed=total >= pass_mark,
                        comments=comments.strip()[:2000], reviewer=actor)
    review.full_clean()
    review.save()
    url = reverse("tracks:plan", args=[track.pk, school.pk])
    verdict = _("passed") if review.passed else _("not passed")
    title = _("Your school's plan scored %(total)s (%(verdict)s)") % {"total": total, "verdict": verdict}
    body = _("%(office)s reviewed version %(version)s of %(school)s's informatization plan for “%(track)s”: "
             "%(total)s points, %(verdict)s.") % {"office": track.run_by.name, "version": plan.version,
                                                   "school": school.name, "track": track.program.name,
                                                   "total": total, "verdict": verdict}
    if review.comments:
        body = f"{body}{_(NOTE) % {'note': review.comments}}"
    notify_many([Message(to=p, kind=Kind.OTHER, title=title[:128], body=body, url=url)
                 for p in _school_people(track, school)])
    audit(actor=actor, action=PLAN_REVIEWED, obj=review, scope_path=school.path, track=track.pk, total=total,
          passed=review.passed, plan_version=plan.version)
    return review


@transaction.atomic
def term_check_record(*, actor: User, track: Track, school: School, term: str, rating: str,
                      comment: str = "", today: dt.date | None = None) -> TermCheck:
    """The runner's follow-up of the school's plan for one term: the figures at the term's end (or
    today, for the current term) are kept with the judgement; checking a term again replaces it."""
    _require_runner(actor, track)
    _require_participant(track, school)
    today = today or timezone.localdate()
    terms = terms_between(track.program.start_date, min(track.program.end_date, today))
    if term not in terms:
        raise ValidationError(_(BAD_TERM))
    if rating not in TermCheck.Rating.values:
        raise ValidationError(_(BAD_RATING))
    [figures] = follow_up(track, plan_program(track), [school], today=today, terms=[term])[school.pk]
    check, _created = TermCheck.objects.update_or_create(
        track=track, school=school, term=term,
        defaults={"school_path": school.path, "figures": figures.as_dict(), "rating": rating,
                  "comment": comment.strip()[:2000], "checked_by": actor, "checked_at": timezone.now()})
    url = reverse("tracks:plan", args=[track.pk, school.pk])
    title = _("Plan follow-up for %(term)s: %(rating)s") % {"term": term_label(term),
                                                          "rating": check.get_rating_display()}
    body = _("%(office)s followed up %(school)s's informatization plan for %(term)s: %(rating)s.") % {
        "office": track.run_by.name, "school": school.name, "term": term_label(term),
        "rating": check.get_rating_display()}
    if check.comment:
        body = f"{body}{_(NOTE) % {'note': check.comment}}"
    notify_many([Message(to=p, kind=Kind.OTHER, title=title[:128], body=body, url=url)
                 for p in _school_people(track, school)])
    audit(actor=actor, action=TERM_CHECKED, obj=check, scope_path=school.path, track=track.pk, term=term,
          rating=rating)
    return check


def plan_indicators(program: Program, school_ids: list[int]) -> dict[int, dict[str, object]]:
    """校长考评: each school's latest plan review in any leadership track (score, and whether it
    passed) and its latest term follow-up, as extra columns of the school indicators (2 queries)."""
    out: dict[int, dict[str, object]] = {}
    score, verdict, follow = _("Plan review score"), _("Plan review passed"), _("Plan follow-up")
    for review in PlanReview.objects.filter(school_id__in=school_ids).order_by("school_id", "reviewed_at", "pk"):
        out.setdefault(review.school_id, {}).update({score: review.total, verdict: _("yes") if review.passed
                                                     else _("no")})
    for check in TermCheck.objects.filter(school_id__in=school_ids).order_by("school_id", "term", "checked_at"):
        out.setdefault(check.school_id, {})[follow] = f"{term_label(check.term)}：{check.get_rating_display()}"
    return out


