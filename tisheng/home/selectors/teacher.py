"""A teacher's 待办: per program they are enrolled in, how far they are, what is left in the
completion evaluation's own words, the next lesson, the practice items to do or redo, what
was returned and why, and the deadline.

Cost: a fixed number of queries whatever the number of programs, courses or points (the
enrollments; the lessons of the selected courses with their progress and the last one
played; the practice choices, tasks, current submissions and returned results; the hours
declarations and certificates, each one aggregate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from tisheng.accounts.roles import Cap
from tisheng.home.selectors.items import Item, url_or_blank
from tisheng.orgs.scope import scope_filter
from tisheng.programs.completion import fmt_hours
from tisheng.programs.models import Enrollment, EnrollmentState, Program

# What a teacher reads on their program card (module constants: tests assert on them).
NEXT_LESSON = gettext_lazy("Next lesson: %(title)s")
CHOOSE_COURSES = gettext_lazy("Choose your courses")
ALL_LESSONS_DONE = gettext_lazy("Every lesson of your courses is done")
CHOOSE_POINTS = gettext_lazy("Capability points still to choose")
EVIDENCE_TO_SUBMIT = gettext_lazy("Evidence items to submit")
EVIDENCE_TO_REDO = gettext_lazy("Evidence items to submit again")
POINTS_RETURNED = gettext_lazy("Capability points returned")
COMPLETION_RETURNED = gettext_lazy("Your completion was returned")
DIAGNOSTIC_TO_TAKE = gettext_lazy("Take the diagnostic test first")
DECLARATIONS_PENDING = gettext_lazy("Hours declarations waiting for the school")
DECLARATIONS_REJECTED = gettext_lazy("Hours declarations not accepted")
MY_CERTIFICATES = pgettext_lazy("home todo", "My certificates")
DAYS_LEFT = gettext_lazy("%(days)s days left (deadline %(date)s)")
DEADLINE_PASSED = gettext_lazy("The deadline %(date)s has passed")
ALL_DONE = pgettext_lazy("home todo", "All done")
NOTHING_WAITING = pgettext_lazy("home todo", "Nothing waiting")
NONE_YET = pgettext_lazy("home todo", "None yet")
EXEMPT_NOTE = gettext_lazy("You are exempt from this program.")
# A deadline this close (days) with work left is shown as needing attention.
DEADLINE_WARN_DAYS = 60
REJECTED_WITHIN_DAYS = 30


@dataclass
class ProgramCard:
    enrollment: Enrollment
    program: Program
    required: Decimal
    percent: int
    total: str
    required_text: str
    explanation: str
    state_label: str
    deadline: str
    deadline_warn: bool
    next_lesson: Item | None = None
    items: list[Item] = field(default_factory=list)
    complete: bool = False
    exempt: bool = False


def today() -> dt.date:
    return timezone.localdate()


def _deadline(program: Program, on: dt.date) -> tuple[str, int]:
    days = (program.end_date - on).days
    date = program.end_date.strftime("%Y-%m-%d")
    if days < 0:
        return str(DEADLINE_PASSED) % {"date": date}, days
    return str(DAYS_LEFT) % {"days": days, "date": date}, days


def _next_lessons(teacher, program_ids: list[int]) -> dict[int, dict | None]:
    """Per program: the lesson to continue (the last one played if it is not complete, else
    the first incomplete lesson of the selected courses), None when every lesson is done, and
    no key when the teacher selected no course of the program. Four queries."""
    from tisheng.playback.models import PlaybackSession
    from tisheng.playback.selectors import my_lessons

    rows = [r for r in my_lessons(teacher) if r["lesson"].course.program_id in program_ids]
    last = (PlaybackSession.objects.filter(teacher=teacher).order_by("-id")
            .values_list("lesson_id", flat=True).first())
    out: dict[int, dict | None] = {}
    for r in rows:
        out.setdefault(r["lesson"].course.program_id, None)
    for r in rows:
        pid = r["lesson"].course.program_id
        if r["lesson"].pk == last and not r["complete"]:
            out[pid] = r
    for r in rows:
        pid = r["lesson"].course.program_id
        if out[pid] is None and not r["complete"]:
            out[pid] = r
    return out


def _practice(actor, teacher, programs: list[Program]) -> dict[int, dict]:
    """Per practice program: points chosen, tasks without a file, tasks whose current file the
    team graded 不合格 (with the grader's comment) and that still have a submission left under
    the rule set's limit, and points returned (with the reason). Five queries for all programs."""
    from tisheng.practice.models import EvidenceTask, Grade, PointChoice, PointResult, Review, Submission
    from tisheng.practice.services.evidence import max_attempts

    ids = [p.pk for p in programs]
    if not ids:
        return {}
    out = {pid: {"chosen": 0, "todo": 0, "redo": 0, "redo_comment": "", "returned": []} for pid in ids}
    choices = list(scope_filter(PointChoice.objects.filter(program_id__in=ids, teacher=teacher), actor, Cap.PRACTICE_VIEW)
                   .values_list("program_id", "point_version_id"))
    for pid, _v in choices:
        out[pid]["chosen"] += 1
    tasks: dict[int, list[int]] = {}
    for task_id, version_id in EvidenceTask.objects.filter(
            point_version_id__in={v for _p, v in choices}).values_list("pk", "point_version_id"):
        tasks.setdefault(version_id, []).append(task_id)
    team = Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM).order_by("-created_at", "-id")
    current = {(pid, task): (grade, comment) for pid, task, grade, comment in
               scope_filter(Submission.objects.filter(program_id__in=ids, teacher=teacher, is_current=True), actor,
                            Cap.PRACTICE_VIEW)
               .annotate(grade=Subquery(team.values("grade")[:1]), comment=Subquery(team.values("comment")[:1]))
               .values_list("program_id", "task_id", "grade", "comment")}
    # Versions the team graded, per item: an item that used all its submissions is not "to redo".
    graded = {(pid, task): n for pid, task, n in
              Submission.objects.filter(program_id__in=ids, teacher=teacher, reviews__stage=Review.Stage.TEAM)
              .values("program_id", "task_id").annotate(n=Count("pk", distinct=True))
              .values_list("program_id", "task_id", "n")}
    limits = {p.pk: max_attempts(p) for p in programs}
    returned_points = set()
    for pid, point_version_id, code, name, reason in (
            scope_filter(PointResult.objects.filter(program_id__in=ids, teacher=teacher,
                                                    status=PointResult.Status.RETURNED), actor, Cap.PRACTICE_VIEW)
            .values_list("program_id", "point_version_id", "point__code", "point_version__name", "returned_reason")):
        out[pid]["returned"].append(f"{code} {name}：{reason}" if reason else f"{code} {name}")
        returned_points.add((pid, point_version_id))
    for pid, version_id in choices:
        for task in tasks.get(version_id, []):
            state = current.get((pid, task))
            if state is None:
                out[pid]["todo"] += 1
            elif ((state[0] == Grade.FAIL or (pid, version_id) in returned_points)
                  and graded.get((pid, task), 0) < limits[pid]):
                out[pid]["redo"] += 1
                out[pid]["redo_comment"] = out[pid]["redo_comment"] or (state[1] or "")
    return out


def teacher_cards(actor, teacher) -> list[ProgramCard]:
    """The teacher's active programs, each as a card of what to do next."""
    from tisheng.diagnostics.models import Attempt

    enrollments = list(scope_filter(Enrollment.objects.filter(teacher=teacher, program__status=Program.Status.ACTIVE),
                                    actor, Cap.TEACHERS_VIEW)
                       .select_related("program").order_by("program__end_date", "program_id"))
    if not enrollments:
        return []
    on = today()
    programs = [e.program for e in enrollments]
    open_programs = [e.program_id for e in enrollments if e.state != EnrollmentState.EXEMPT]
    lessons = _next_lessons(teacher, open_programs)
    practice = _practice(actor, teacher, [p for p in programs if p.pk in open_programs
                                   and p.ruleset.micro_abilities is not None])
    diagnosed = set(Attempt.objects.filter(teacher=teacher, instrument__program_id__in=open_programs)
                    .values_list("instrument__program_id", flat=True))
    cards = []
    for e in enrollments:
        p = e.program
        rules = p.ruleset
        required = rules.required_hours
        percent = int(min(Decimal(100), (e.total_hours / required * 100) if required else Decimal(100)))
        deadline, days = _deadline(p, on)
        exempt = e.state == EnrollmentState.EXEMPT
        complete = e.state in (EnrollmentState.COMPLETE, EnrollmentState.UNDER_REVIEW, EnrollmentState.APPROVED,
                               EnrollmentState.CERTIFIED)
        card = ProgramCard(
            enrollment=e, program=p, required=required, percent=percent, total=fmt_hours(e.total_hours),
            required_text=fmt_hours(required), explanation=e.explanation or "", state_label=e.get_state_display(),
            deadline=deadline, deadline_warn=not complete and not exempt and days <= DEADLINE_WARN_DAYS,
            complete=complete, exempt=exempt)
        cards.append(card)
        if exempt:
            card.explanation = str(EXEMPT_NOTE)
            continue
        if e.state == EnrollmentState.RETURNED:
            card.items.append(Item(label=str(COMPLETION_RETURNED), url=url_or_blank("review:mine"),
                                   detail=e.return_reason, warn=True, key="completion-returned"))
        if rules.diagnostic_required and p.pk not in diagnosed:
            card.items.append(Item(label=str(DIAGNOSTIC_TO_TAKE), url=url_or_blank("diagnostics:take", p.pk),
                                   warn=True, key="diagnostic"))
        catalogue = url_or_blank("learning:catalogue", query=f"program={p.pk}")
        if p.pk not in lessons:
            card.next_lesson = Item(label=str(CHOOSE_COURSES), url=catalogue, key="choose-courses")
        elif lessons[p.pk] is None:
            card.next_lesson = Item(label=str(ALL_LESSONS_DONE), url=catalogue, count=0, done=str(ALL_DONE),
                                    key="lessons-done")
        else:
            row = lessons[p.pk]
            card.next_lesson = Item(label=str(NEXT_LESSON) % {"title": row["lesson"].title},
                                    url=url_or_blank("playback:lesson", row["lesson"].pk),
                                    detail=f"{row['lesson'].course.title} · {row['percent']}%", key="next-lesson")
        if p.pk in practice:
            pr = practice[p.pk]
            link = url_or_blank("practice:my", query=f"program={p.code}")
            need = rules.micro_abilities.min_points
            card.items.append(Item(label=str(CHOOSE_POINTS), url=link, count=max(need - pr["chosen"], 0),
                                   done=str(ALL_DONE), key="choose-points"))
            if pr["chosen"]:  # before any point is chosen there is no evidence to count
                card.items.append(Item(label=str(EVIDENCE_TO_SUBMIT), url=link, count=pr["todo"], done=str(ALL_DONE),
                                       key="evidence-todo"))
                card.items.append(Item(label=str(EVIDENCE_TO_REDO), url=link, count=pr["redo"],
                                       done=str(NOTHING_WAITING), detail=pr["redo_comment"], warn=pr["redo"] > 0,
                                       key="evidence-redo"))
            if pr["returned"]:
                card.items.append(Item(label=str(POINTS_RETURNED), url=link, count=len(pr["returned"]),
                                       detail="；".join(pr["returned"]), warn=True, key="points-returned"))
    return cards


def teacher_items(actor, teacher) -> list[Item]:
    """What is not tied to one program card: hours declarations waiting or refused lately
    (one aggregate), and the teacher's certificates (one count)."""
    from tisheng.certificates.models import Certificate
    from tisheng.ledger.models import ImportedHoursDeclaration as Declaration

    since = timezone.now() - dt.timedelta(days=REJECTED_WITHIN_DAYS)
    counts = scope_filter(Declaration.objects.filter(teacher=teacher), actor, Cap.TEACHERS_VIEW).aggregate(
        pending=Count("pk", filter=Q(state=Declaration.State.PENDING)),
        rejected=Count("pk", filter=Q(state=Declaration.State.REJECTED, decided_at__gte=since)))
    hours = url_or_blank("ledger:my_hours")
    items = [Item(label=str(DECLARATIONS_PENDING), url=hours, count=counts["pending"], done=str(NOTHING_WAITING),
                  key="declarations-pending")]
    if counts["rejected"]:
        note = (scope_filter(Declaration.objects.filter(teacher=teacher, state=Declaration.State.REJECTED),
                             actor, Cap.TEACHERS_VIEW).order_by("-decided_at").values_list("note", flat=True).first())
        items.append(Item(label=str(DECLARATIONS_REJECTED), url=hours, count=counts["rejected"], detail=note or "",
                          warn=True, key="declarations-rejected"))
    certificates = scope_filter(Certificate.objects.filter(teacher=teacher, revoked_at__isnull=True), actor,
                                Cap.CERTIFICATES_VIEW).count()
    items.append(Item(label=str(MY_CERTIFICATES), url=url_or_blank("certificates:list"), count=certificates,
                      done=str(NONE_YET), key="certificates"))
    return items
