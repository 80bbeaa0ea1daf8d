"""The teacher's side: the catalogue of their region's contracted institutions, selecting and
dropping courses, a course's lessons and its quiz."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.learning import selectors, services
from tisheng.learning.crediting import credit_stop_notice
from tisheng.learning.models import Course, CourseSelection, Quiz
from tisheng.learning.views._common import chosen_program, error_text, querystring
from tisheng.people.choices import SUBJECTS, TeachingStage
from tisheng.people.selectors import own_teacher
from tisheng.programs.models import Program

SELECTED_MSG = _("Course selected.")
DROPPED_MSG = _("Course dropped from your selection.")
QUIZ_PASSED_MSG = _("Quiz passed with %(score)s%%.")
QUIZ_FAILED_MSG = _("Quiz not passed (%(score)s%%, %(mark)s%% needed). Try again.")
TOPIC_CHOICES = [f"T{i}" for i in range(1, 28)]
MICRO_ABILITY_CHOICES = ([f"A{i}" for i in range(1, 14)] + [f"B{i}" for i in range(1, 11)]
                         + [f"C{i}" for i in range(1, 8)])


def _teacher(request):
    teacher = own_teacher(request.user)
    if teacher is None:
        raise Http404
    return teacher


def _teacher_programs(teacher):
    return Program.objects.filter(enrollments__teacher=teacher, status="active").order_by("-start_date", "code")


def _url(name: str, *args) -> str | None:
    """A page of another app (player, diagnostics), when it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _lesson_url(lesson) -> str | None:
    return _url("playback:lesson", lesson.pk)


@login_required
def catalogue(request):
    teacher = _teacher(request)
    programs = list(_teacher_programs(teacher))
    if not programs:
        return render(request, "learning/catalogue_empty.html", {"teacher": teacher})
    program = chosen_program(request, programs)
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "topic", "subject", "stage")}
    courses = list(selectors.catalogue_for_teacher(teacher, program, **filters))
    recommended = set(selectors.recommended_course_ids(teacher, program))
    selections = list(selectors.selections_of(teacher, program))
    selected_ids = {s.course_id for s in selections}
    # A course whose institution is out where the teacher is earns no more hours: it counts only
    # what it earned (selected_hours marks it), and the page lists it apart.
    total = selectors.selected_hours(selections, teacher)
    for c in courses:
        c.is_recommended = c.pk in recommended
        c.is_selected = c.pk in selected_ids
    if recommended and not any(filters.values()):
        courses.sort(key=lambda c: not c.is_recommended)
    required = selectors.online_required_hours(program)
    return render(request, "learning/catalogue.html", {
        "teacher": teacher, "program": program, "programs": programs,
        "courses": courses, "selections": selections, "total": total, "required": required,
        "stopped": "、".join(f"《{s.course.title}》（{s.course.institution.name}）" for s in selections if s.credit_stopped),
        "complete": total >= required, "filters": filters,
        "needs_diagnostic": (program.ruleset.diagnostic_required
                             and not services.diagnostic_done(teacher, program)),
        "diagnostic_url": _url("diagnostics:home"), "querystring": querystring(request),
        "topics": TOPIC_CHOICES if program.ruleset.min_hours.get("online") else MICRO_ABILITY_CHOICES,
        "subjects": SUBJECTS, "stages": TeachingStage.choices,
    })


@login_required
@require_POST
def select(request):
    teacher = _teacher(request)
    program = chosen_program(request, _teacher_programs(teacher))
    course = Course.objects.filter(pk=request.POST.get("course") or 0).first()
    if course is None:
        raise Http404
    try:
        services.selection_add(actor=request.user, teacher=teacher, program=program, course=course)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, SELECTED_MSG)
    return redirect(f"{reverse('learning:catalogue')}?program={program.pk}")


@login_required
@require_POST
def drop(request, pk: int):
    teacher = _teacher(request)
    selection = CourseSelection.objects.filter(pk=pk, teacher=teacher).first()
    if selection is None:
        raise Http404
    try:
        services.selection_remove(actor=request.user, selection=selection)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, DROPPED_MSG)
    return redirect(f"{reverse('learning:catalogue')}?program={selection.program_id}")


def _visible_course(teacher, pk: int) -> Course:
    """A course the teacher selected or may select (404 otherwise)."""
    course = Course.objects.filter(pk=pk).select_related("institution", "program").first()
    if course is None:
        raise Http404
    if not (CourseSelection.objects.filter(teacher=teacher, course=course).exists()
            or selectors.catalogue_for_teacher(teacher, course.program).filter(pk=pk).exists()):
        raise Http404
    return course


@login_required
def course_detail(request, pk: int):
    teacher = _teacher(request)
    course = _visible_course(teacher, pk)
    lessons = list(course.lessons.all())
    for lesson in lessons:
        lesson.play_url = _lesson_url(lesson)
    selection = CourseSelection.objects.filter(teacher=teacher, course=course).first()
    quiz = Quiz.objects.filter(course=course, questions__isnull=False).first()
    return render(request, "learning/course_detail.html", {
        "course": course, "lessons": lessons, "selection": selection, "quiz": quiz,
        "stopped": credit_stop_notice(teacher, course) if selection else None,
        "quiz_passed": selectors.quiz_passed(teacher, course) if quiz else None,
    })


@login_required
def quiz(request, pk: int):
    teacher = _teacher(request)
    course = _visible_course(teacher, pk)
    if not CourseSelection.objects.filter(teacher=teacher, course=course).exists():
        raise Http404
    the_quiz = Quiz.objects.filter(course=course).first()
    if the_quiz is None:
        raise Http404
    questions = list(the_quiz.questions.all())
    if request.method == "POST":
        answers = []
        for q in questions:
            raw = request.POST.get(f"q{q.pk}", "")
            answers.append(int(raw) if raw.isdigit() else None)
        attempt = services.quiz_attempt_submit(teacher=teacher, quiz=the_quiz, answers=answers)
        if attempt.passed:
            messages.success(request, QUIZ_PASSED_MSG % {"score": attempt.score})
        else:
            messages.error(request, QUIZ_FAILED_MSG % {"score": attempt.score, "mark": the_quiz.pass_mark})
        return redirect("learning:course", course.pk)
    return render(request, "learning/quiz.html", {"course": course, "quiz": the_quiz, "questions": questions})
