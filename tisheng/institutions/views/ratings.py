"""A teacher's ratings: the courses they finished (unrated first) and one rating form per course."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tisheng.institutions.models import RATING_DIMENSIONS, CourseRating
from tisheng.institutions.services import ratings as svc
from tisheng.people.selectors import own_teacher


@login_required
def rating_list(request: HttpRequest) -> HttpResponse:
    teacher = own_teacher(request.user)
    if teacher is None:
        raise Http404
    courses = list(svc.finished_courses(teacher))
    rated = {r.course_id: r for r in CourseRating.objects.filter(teacher=teacher)}
    for c in courses:
        c.rating = rated.get(c.pk)
    courses.sort(key=lambda c: (c.rating is not None, c.institution.name, c.code))
    return render(request, "institutions/ratings.html", {
        "courses": courses, "unrated": sum(1 for c in courses if c.rating is None)})


@login_required
def rating_edit(request: HttpRequest, course_pk: int) -> HttpResponse:
    teacher, course = svc.get_finished_course(request.user, course_pk)
    rating = CourseRating.objects.filter(teacher=teacher, course=course).first()
    values = {d: str(getattr(rating, d)) if rating else "" for d, _label in RATING_DIMENSIONS}
    comment = rating.comment if rating else ""
    status = 200
    if request.method == "POST":
        values = {d: request.POST.get(d, "")[:2] for d, _label in RATING_DIMENSIONS}
        comment = request.POST.get("comment", "")[:4000]
        try:
            _saved, created = svc.rating_save(actor=request.user, course_pk=course.pk, values=values, comment=comment)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            status = 400
        else:
            messages.success(request, _("Thank you: your rating of %(course)s is saved. The institution sees it "
                                        "only in totals, never who rated.") % {"course": course.title}
                             if created else _("Your rating of %(course)s is updated.") % {"course": course.title})
            return redirect("institutions:ratings")
    dimensions = [{"key": d, "label": label, "value": values.get(d, "")} for d, label in RATING_DIMENSIONS]
    return render(request, "institutions/rating_form.html", {
        "course": course, "rating": rating, "dimensions": dimensions, "comment": comment,
        "stars": ["1", "2", "3", "4", "5"]}, status=status)
