"""A training institution's pages: its courses, a course's lessons and quiz, publishing, and
its learners in the regions it is contracted for."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.learning import selectors, services
from tisheng.learning.forms import CourseForm, LessonForm, QuizForm
from tisheng.learning.models import Course, Lesson, Quiz
from tisheng.learning.views._common import active_programs, error_text, paginate, querystring
from tisheng.orgs.scope import has_capability

COURSE_CREATED_MSG = _("Course created: add its lessons, then publish it.")
COURSE_SAVED_MSG = _("Course saved.")
LESSON_ADDED_MSG = _("Lesson added.")
LESSON_DELETED_MSG = _("Lesson deleted.")
QUIZ_SAVED_MSG = _("Quiz saved.")
PUBLISHED_MSG = _("Course published: teachers of your contracted regions can select it.")
WITHDRAWN_MSG = _("Course withdrawn.")


def _require_institution(request):
    if not has_capability(request.user, Cap.COURSES_MANAGE):
        raise PermissionDenied
    institutions = list(selectors.institutions_of(request.user))
    if not institutions:
        raise PermissionDenied
    return institutions


@login_required
def my_courses(request):
    institutions = _require_institution(request)
    programs = list(active_programs())
    form = CourseForm(request.POST or None)
    form.fields["program"] = _program_field(programs)
    if len(institutions) > 1:
        form.fields["institution"] = _choice_field(_("Institution"), [(str(o.pk), o.name) for o in institutions])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        program = next(p for p in programs if str(p.pk) == d["program"])
        institution = next((o for o in institutions if str(o.pk) == d.get("institution")), institutions[0])
        try:
            course = services.course_create(
                actor=request.user, institution=institution, program=program, code=d["code"], title=d["title"],
                hours=d["hours"], topics=d["topics"], micro_abilities=d["micro_abilities"], subjects=d["subjects"],
                stages=d["stages"], description=d["description"])
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, COURSE_CREATED_MSG)
            return redirect("learning:institution_course", course.pk)
    courses = selectors.courses_of_institutions(request.user).order_by("program", "code")
    return render(request, "learning/my_courses.html", {
        "institutions": institutions, "courses": courses, "form": form,
    })


def _choice_field(label, choices):
    from django import forms

    return forms.ChoiceField(label=label, choices=choices)


def _program_field(programs):
    return _choice_field(_("Program"), [(str(p.pk), p.name) for p in programs])


@login_required
def course_edit(request, pk: int):
    _require_institution(request)
    course = selectors.get_course_for_institution(request.user, pk)
    initial = {"code": course.code, "title": course.title, "hours": course.hours,
               "topics": ", ".join(course.topics), "micro_abilities": ", ".join(course.micro_abilities),
               "subjects": course.subjects, "stages": course.stages, "description": course.description}
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, COURSE_SAVED_MSG)
            return redirect("learning:institution_course", course.pk)
    quiz = Quiz.objects.filter(course=course).prefetch_related("questions").first()
    return render(request, "learning/course_edit.html", {
        "course": course, "form": form, "lessons": course.lessons.all(), "lesson_form": LessonForm(),
        "quiz_form": QuizForm(initial={"pass_mark": quiz.pass_mark if quiz else 60,
                                       "text": services.quiz_text(quiz)}),
        "editable": course.status != Course.Status.PUBLISHED,
        "content": services.course_content(course),
    })


@login_required
@require_POST
def lesson_add(request, pk: int):
    _require_institution(request)
    course = selectors.get_course_for_institution(request.user, pk)
    form = LessonForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("learning:institution_course", course.pk)
    d = form.cleaned_data
    try:
        services.lesson_add(actor=request.user, course=course, title=d["title"],
                            duration_seconds=int(Decimal(d["duration_minutes"]) * 60),
                            video_url=d["video_url"] or "", upload=d["video"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, LESSON_ADDED_MSG)
    return redirect("learning:institution_course", course.pk)


@login_required
@require_POST
def lesson_delete(request, pk: int):
    _require_institution(request)
    lesson = Lesson.objects.filter(pk=pk, course__in=selectors.courses_of_institutions(request.user)).first()
    if lesson is None:
        raise Http404
    try:
        services.lesson_delete(actor=request.user, lesson=lesson)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, LESSON_DELETED_MSG)
    return redirect("learning:institution_course", lesson.course_id)


@login_required
@require_POST
def quiz_save(request, pk: int):
    _require_institution(request)
    course = selectors.get_course_for_institution(request.user, pk)
    form = QuizForm(request.POST)
    if form.is_valid():
        try:
            services.quiz_set(actor=request.user, course=course, pass_mark=form.cleaned_data["pass_mark"],
                              text=form.cleaned_data["text"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, QUIZ_SAVED_MSG)
    return redirect("learning:institution_course", course.pk)


@login_required
@require_POST
def publish(request, pk: int):
    _require_institution(request)
    course = selectors.get_course_for_institution(request.user, pk)
    try:
        if request.POST.get("action") == "withdraw":
            services.course_withdraw(actor=request.user, course=course)
            messages.success(request, WITHDRAWN_MSG)
        else:
            services.course_publish(actor=request.user, course=course)
            messages.success(request, PUBLISHED_MSG)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("learning:institution_course", course.pk)


@login_required
def learners(request):
    _require_institution(request)
    page = paginate(request, selectors.institution_learners(request.user))
    return render(request, "learning/learners.html", {"page": page, "querystring": querystring(request)})
