"""The leadership track's deliverable pages and the training team's trainer pool: the participating schools' plans with their review
and follow-up at a glance, one school's plan with the rubric review and the term-by-term
follow-up, and the runner's rubric. Every action ends on a page with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from tisheng.tracks import plans, pool, selectors
from tisheng.tracks.models import PlanReview, TermCheck, Track, TrackKind

REVIEWED = gettext_noop("%(school)s's plan scored %(total)s (%(verdict)s); the school has been notified.")
CHECKED = gettext_noop("The follow-up of %(school)s for %(term)s is saved; the school has been notified.")
RUBRIC_SAVED = gettext_noop("The rubric is saved: %(n)s criteria, pass mark %(mark)s.")


def _leadership_track(request: HttpRequest, pk: int) -> Track:
    track = selectors.get_track_for_user(request.user, pk)
    if track.kind != TrackKind.LEADERSHIP:
        raise Http404
    return track


def _school(request: HttpRequest, track: Track, school_id: int):
    school = plans.participating_schools(request.user, track).filter(pk=school_id).first()
    if school is None:
        raise Http404
    return school


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def plan_list(request: HttpRequest, pk: int) -> HttpResponse:
    track = _leadership_track(request, pk)
    program = plans.plan_program(track)
    schools = list(plans.participating_schools(request.user, track)[:500])
    ids = [s.pk for s in schools]
    today = timezone.localdate()
    term = plans.term_of(today)
    follow = plans.follow_up(track, program, schools, today=today, terms=[term])
    latest = plans.latest_plans(program, ids)
    reviews = plans.latest_reviews(track, ids)
    rows = [{"school": s, "plan": latest.get(s.pk), "review": reviews.get(s.pk), "term": follow[s.pk][0]}
            for s in schools]
    rubric = plans.rubric_of(track)
    return render(request, "tracks/plans.html", {
        "track": track, "program": program, "rows": rows, "term_label": plans.term_label(term),
        "can_run": selectors.can_run(request.user, track), "rubric": rubric,
        "rubric_rows": [*rubric, *({"name": "", "max": "", "guide": ""} for _i in range(2))],
        "pass_mark": track.pass_mark if track.rubric else plans.DEFAULT_PASS_MARK,
        "reviewed": sum(1 for r in rows if r["review"]), "passed": sum(1 for r in rows if r["review"]
                                                                        and r["review"].passed),
    })


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int, school_id: int) -> HttpResponse:
    track = _leadership_track(request, pk)
    school = _school(request, track, school_id)
    program = plans.plan_program(track)
    plan = plans.latest_plans(program, [school.pk]).get(school.pk)
    rows = plans.follow_up(track, program, [school])[school.pk]
    return render(request, "tracks/plan.html", {
        "track": track, "school": school, "program": program, "plan": plan, "terms": rows,
        "reviews": list(PlanReview.objects.filter(track=track, school=school).select_related("reviewer")
                        .order_by("-reviewed_at", "-pk")[:20]),
        "rubric": plans.rubric_of(track), "can_run": selectors.can_run(request.user, track),
        "ratings": TermCheck.Rating.choices,
    })


@login_required
@require_POST
def plan_review(request: HttpRequest, pk: int, school_id: int) -> HttpResponse:
    track = _leadership_track(request, pk)
    school = _school(request, track, school_id)
    if not selectors.can_run(request.user, track):
        raise PermissionDenied
    scores = {c["code"]: request.POST.get(f"score_{c['code']}", "") for c in plans.rubric_of(track)}
    try:
        review = plans.plan_review_record(actor=request.user, track=track, school=school, scores=scores,
                                          comments=request.POST.get("comments", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(REVIEWED) % {"school": school.name, "total": review.total,
                                                 "verdict": _("passed") if review.passed else _("not passed")})
    return redirect("tracks:plan", track.pk, school.pk)


@login_required
@require_POST
def plan_term_check(request: HttpRequest, pk: int, school_id: int) -> HttpResponse:
    track = _leadership_track(request, pk)
    school = _school(request, track, school_id)
    if not selectors.can_run(request.user, track):
        raise PermissionDenied
    term = request.POST.get("term", "")
    try:
        plans.term_check_record(actor=request.user, track=track, school=school, term=term,
                                rating=request.POST.get("rating", ""), comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(CHECKED) % {"school": school.name, "term": plans.term_label(term)})
    return redirect("tracks:plan", track.pk, school.pk)


@login_required
@require_POST
def rubric_edit(request: HttpRequest, pk: int) -> HttpResponse:
    track = _leadership_track(request, pk)
    if not selectors.can_run(request.user, track):
        raise PermissionDenied
    rows = list(zip(request.POST.getlist("name"), request.POST.getlist("max"), request.POST.getlist("guide"),
                    strict=False))
    try:
        plans.rubric_set(actor=request.user, track=track, rows=rows, pass_mark=request.POST.get("pass_mark", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(RUBRIC_SAVED) % {"n": len(track.rubric), "mark": track.pass_mark})
    return redirect("tracks:plans", track.pk)


POOL_DRAWN = gettext_noop("%(name)s is now a tutor of %(organization)s and has been notified.")


@login_required
@require_GET
def trainer_pool(request: HttpRequest) -> HttpResponse:
    counties = pool.pool_counties(request.user)
    if not counties:
        raise Http404
    county = next((c for c in counties if c.code == request.GET.get("county")), counties[0])
    return render(request, "tracks/pool.html", {
        "counties": counties, "county": county, "trainers": pool.pool(county),
        "organizations": pool.drawing_organizations(request.user),
    })


@login_required
@require_POST
def trainer_draw(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = pool.pool_nomination(request.user, pk)
    organizations = pool.drawing_organizations(request.user)
    organization = next((o for o in organizations if str(o.pk) == request.POST.get("organization")), None)
    if organization is None:
        raise PermissionDenied
    try:
        pool.pool_draw(actor=request.user, nomination=nomination, organization=organization)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(POOL_DRAWN) % {"name": nomination.teacher.name,
                                                   "organization": organization.name})
    return redirect(f"{reverse('tracks:pool')}?county={nomination.school.county.code}")
