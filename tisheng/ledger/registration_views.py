"""Registration dates (教师资格注册有效期): the school's list of its teachers with their dates,
and the page where the school (or the county office) enters or corrects one teacher's date.
Both scoped by Cap.REGISTRATION_DATES: a teacher outside the actor's area is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tisheng.accounts.roles import Cap
from tisheng.ledger import registry
from tisheng.ledger.models import TeacherRegistrationChange
from tisheng.ledger.registration_dates import RegistrationDateForm, registration_of, registration_set
from tisheng.ledger.registration_windows import WindowBook, rows_standing, window_start
from tisheng.orgs.models import School
from tisheng.orgs.scope import has_capability, scope_filter
from tisheng.people import selectors as people_selectors
from tisheng.people.models import Teacher

REGISTRATION_SAVED = gettext_lazy("The registration date of %(name)s was saved: valid until %(date)s; the hours from "
                                  "%(start)s count for it.")
REGISTRATION_UNCHANGED = gettext_lazy("Nothing changed: that is the date already on record.")
REGISTRATION_NOT_SAVED = gettext_lazy("The registration date was not saved; correct the fields marked below.")
PAGE_SIZE = 50


def _require(actor) -> None:
    if not has_capability(actor, Cap.REGISTRATION_DATES):
        raise Http404


@never_cache
@login_required
def registration_dates(request):
    """注册有效期: the teachers in the actor's area with their dates; those with none first
    when asked ("missing"), so a school sees whom to enter."""
    actor = request.user
    _require(actor)
    teachers = (scope_filter(Teacher.objects.filter(status="active"), actor, Cap.REGISTRATION_DATES)
                .select_related("school", "registration"))
    schools = list(scope_filter(School.objects.all(), actor, Cap.REGISTRATION_DATES).order_by("path")
                   .only("pk", "name", "path")[:500])
    school_raw = request.GET.get("school", "")
    school = next((s for s in schools if str(s.pk) == school_raw), None)
    if school is not None:
        teachers = teachers.filter(school=school)
    q = request.GET.get("q", "").strip()[:32]
    if q:
        teachers = teachers.filter(name__contains=q)
    counts = teachers.aggregate(total=Count("pk"), without=Count("pk", filter=Q(registration__isnull=True)))
    missing = bool(request.GET.get("missing"))
    if missing:
        teachers = teachers.filter(registration__isnull=True)
    page = Paginator(teachers.order_by("org_path", "name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "ledger/registration_dates.html", {
        "page": page, "schools": schools if len(schools) > 1 else [], "school": school, "q": q,
        "missing": missing, "counts": counts, "querystring": query.urlencode(),
        "page_range": page.paginator.get_elided_page_range(page.number),
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def teacher_registration(request, pk: int):
    """One teacher's registration date: the form, the window it sets and its hours so far,
    and the history of changes."""
    actor = request.user
    _require(actor)
    teacher = people_selectors.get_teacher_for_user(actor, pk, Cap.REGISTRATION_DATES)
    current = registration_of(teacher)
    initial = {"valid_until": current.valid_until, "last_registered": current.last_registered} if current else {}
    form = RegistrationDateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if current and (current.valid_until, current.last_registered) == (data["valid_until"],
                                                                            data.get("last_registered")):
                messages.info(request, REGISTRATION_UNCHANGED)
            else:
                record = registration_set(actor=actor, teacher=teacher, valid_until=data["valid_until"],
                                          last_registered=data.get("last_registered"))
                messages.success(request, _(REGISTRATION_SAVED) % {
                    "name": teacher.name, "date": f"{record.valid_until:%Y-%m-%d}",
                    "start": f"{window_start(record.valid_until):%Y-%m-%d}"})
            return redirect("ledger:teacher_registration", pk=teacher.pk)
        messages.error(request, REGISTRATION_NOT_SAVED)
    window = standing = None
    if current is not None:
        window = WindowBook(registry.cycles_for(teacher.org_path)).window(current.valid_until)
        standing = rows_standing(window, registry.registry_rows(teacher), today=timezone.localdate())
    return render(request, "ledger/teacher_registration.html", {
        "teacher": teacher, "current": current, "form": form, "window": window, "standing": standing,
        "history": list(TeacherRegistrationChange.objects.filter(teacher=teacher).select_related(None)[:20]),
    }, status=400 if request.method == "POST" else 200)
