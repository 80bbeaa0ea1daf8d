"""Diagnostic test pages: a teacher's test and result (two radar charts, recommendations),
the results a school or office may see, and the province office's instrument editor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from tisheng.accounts.roles import Cap
from tisheng.diagnostics import selectors, services, topics
from tisheng.diagnostics.forms import (
    EXTRA_ROWS,
    InstrumentForm,
    bands_from_post,
    choices_to_text,
    items_from_post,
)
from tisheng.diagnostics.models import Instrument, Topic
from tisheng.learning.models import Course
from tisheng.orgs.scope import has_capability
from tisheng.people import selectors as people_selectors
from tisheng.programs.models import Enrollment, Program

SUBMITTED = gettext_lazy("Your answers were scored. Here is your result.")
INSTRUMENT_SAVED = gettext_lazy("The diagnostic test was saved.")
TOPIC_INVALID = gettext_lazy("A topic needs a name, a level and one of the five dimensions.")
TOPICS_SAVED = gettext_lazy("Topics saved: %(count)s changed.")
RESULT_LIST_LIMIT = 500


def _own_teacher(request):
    teacher = people_selectors.own_teacher(request.user)
    if teacher is None:
        return None
    return people_selectors.get_teacher_for_user(request.user, teacher.pk)


def _my_programs(teacher) -> list[Program]:
    """Programs the teacher is enrolled in that have a diagnostic test."""
    return list(Program.objects.filter(enrollments__teacher=teacher, instrument__isnull=False)
                .select_related("instrument").order_by("-start_date", "code"))


@never_cache
@login_required
def home(request):
    """诊断测评: a teacher's tests and results; for others, the results they may see."""
    teacher = _own_teacher(request)
    rows = []
    if teacher is not None:
        attempts = {a.instrument.program_id: a for a in selectors.attempt_list(request.user).filter(teacher=teacher)}
        rows = [{"program": p, "attempt": attempts.get(p.pk)} for p in _my_programs(teacher)]
    return render(request, "diagnostics/home.html", {
        "rows": rows,
        "is_teacher": teacher is not None,
        "can_list": has_capability(request.user, Cap.TEACHERS_VIEW) and not (teacher and _only_self(request.user)),
        "can_manage": has_capability(request.user, Cap.PROGRAMS_MANAGE),
    })


def _only_self(user) -> bool:
    from tisheng.orgs.scope import grants_for

    return all(g.self_only for g in grants_for(user))


@never_cache
@login_required
def take(request, program_pk: int):
    """The test on one page; scored on the server when submitted."""
    teacher = _own_teacher(request)
    if teacher is None or not Enrollment.objects.filter(teacher=teacher, program_id=program_pk).exists():
        raise Http404
    instrument = get_object_or_404(Instrument.objects.select_related("program"), program_id=program_pk)
    existing = selectors.attempt_for(teacher, instrument.program)
    if existing is not None and not instrument.allow_retake:
        return redirect("diagnostics:result", existing.pk)
    items = list(instrument.items.all())
    error = None
    answers: dict[int, int] = {}
    if request.method == "POST":
        for item in items:
            raw = request.POST.get(f"item-{item.pk}", "")
            if raw.isdigit():
                answers[item.pk] = int(raw)
        try:
            attempt = services.attempt_submit(actor=request.user, teacher=teacher, instrument=instrument,
                                              answers=answers)
        except ValidationError as e:
            error = _(e.messages[0])
        else:
            messages.success(request, SUBMITTED)
            return redirect("diagnostics:result", attempt.pk)
    return render(request, "diagnostics/take.html", {
        "instrument": instrument,
        "program": instrument.program,
        "items": [{"item": it, "chosen": answers.get(it.pk)} for it in items],
        "error": error,
        "retake": existing is not None,
    }, status=400 if error else 200)


@never_cache
@login_required
def result(request, pk: int):
    """Two radar charts (1.0) or one (2.0) with bands, recommended topics or micro-abilities,
    and the recommended courses."""
    attempt = selectors.get_attempt_for_user(request.user, pk)
    res = selectors.diagnostic_result(attempt)
    program = attempt.instrument.program
    course_ids = selectors.recommended_course_ids(attempt.teacher, program)
    courses = Course.objects.filter(pk__in=course_ids).select_related("institution")
    courses = sorted(courses, key=lambda c: course_ids.index(c.pk))
    own = attempt.teacher.user_id == request.user.pk
    charts = res.charts()
    for chart in charts:
        chart["title"] = (_("Level %(level)s") % {"level": chart["level"]}) if chart["level"] else _("Micro-abilities")
        chart["band_labels"] = [_(selectors.BAND_LABELS[b]) for b in chart["bands"]]
        chart["id"] = f"radar-{chart['level'] or 'micro'}"
    return render(request, "diagnostics/result.html", {
        "attempt": attempt,
        "result": res,
        "charts": charts,
        "cells": [{"cell": c, "label": _(selectors.BAND_LABELS[c.band])} for c in res.cells],
        "courses": courses,
        "rule": program.ruleset.micro_abilities,
        "own": own,
        "can_retake": own and attempt.instrument.allow_retake,
        "level_one_first": _(selectors.LEVEL_ONE_FIRST) if res.level_one_first else "",
    })


@never_cache
@login_required
def result_list(request):
    """The results a school admin (their school) or an office (their subtree) may see."""
    if not has_capability(request.user, Cap.TEACHERS_VIEW):
        raise Http404
    attempts = selectors.attempt_list(request.user)
    program_pk = request.GET.get("program", "")
    if program_pk.isdigit():
        attempts = attempts.filter(instrument__program_id=int(program_pk))
    return render(request, "diagnostics/result_list.html", {
        "attempts": attempts[:RESULT_LIST_LIMIT],
        "limit": RESULT_LIST_LIMIT,
    })


def _require_manage(request) -> None:
    if not has_capability(request.user, Cap.PROGRAMS_MANAGE):
        raise Http404


@never_cache
@login_required
def instrument_list(request):
    """The province office: each program's diagnostic test, or a button to create the default."""
    _require_manage(request)
    if request.method == "POST":
        program = get_object_or_404(Program, pk=request.POST.get("program"))
        instrument = services.instrument_create_default(program=program, actor=request.user)
        return redirect("diagnostics:instrument_edit", instrument.pk)
    programs = Program.objects.select_related("instrument").order_by("-start_date", "code")
    return render(request, "diagnostics/instrument_list.html", {"programs": programs})


@never_cache
@login_required
def instrument_edit(request, pk: int):
    """A simple editor: title, retake, every item (text, level, dimension, choices) and band."""
    _require_manage(request)
    instrument = get_object_or_404(Instrument.objects.select_related("program"), pk=pk)
    error = None
    form = InstrumentForm(request.POST or None, instance=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            services.instrument_update(
                actor=request.user, instrument=instrument, title=form.cleaned_data["title"],
                allow_retake=form.cleaned_data["allow_retake"],
                items=items_from_post(request.POST), bands=bands_from_post(request.POST),
            )
        except ValidationError as e:
            error = _(e.messages[0])
        else:
            messages.success(request, INSTRUMENT_SAVED)
            return redirect("diagnostics:instrument_edit", instrument.pk)
    is_micro = instrument.kind == Instrument.Kind.MICRO_2019

    return render(request, "diagnostics/instrument_edit.html", {
        "instrument": instrument,
        "form": form,
        "error": error,
        "item_rows": [{"item": it, "choices": choices_to_text(it.choices)} for it in instrument.items.all()]
        + [{"item": None, "choices": ""}] * EXTRA_ROWS,
        "band_rows": list(instrument.bands.all()) + [None],
        "is_micro": is_micro,
        "levels": [""] if is_micro else list(topics.LEVELS),
        "dimensions": topics.MICRO_DIMENSIONS if is_micro else topics.DIMENSIONS,
    }, status=400 if error else 200)


@never_cache
@login_required
def topic_list(request):
    """The province office corrects the 1.0 topics' names, level and dimension."""
    _require_manage(request)
    topics_qs = Topic.objects.all()
    error = None
    if request.method == "POST":
        rows = [{"code": t.code, "name": request.POST.get(f"{t.code}-name", t.name),
                 "level": request.POST.get(f"{t.code}-level", t.level),
                 "dimension": request.POST.get(f"{t.code}-dimension", t.dimension),
                 "confirmed": bool(request.POST.get(f"{t.code}-confirmed"))} for t in topics_qs]
        try:
            changed = services.topics_update(actor=request.user, rows=rows)
        except ValidationError:
            error = _(TOPIC_INVALID)
        else:
            messages.success(request, TOPICS_SAVED % {"count": changed})
            return redirect("diagnostics:topic_list")
    return render(request, "diagnostics/topic_list.html", {
        "topics": topics_qs, "levels": topics.LEVELS, "dimensions": topics.DIMENSIONS, "error": error,
    }, status=400 if error else 200)
