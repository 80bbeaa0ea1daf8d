"""Track pages: the tracks a person sees, creating one (an office, for its level), a track's
quotas and nominations, nominating from below, selecting within the quotas. Every action ends
on a page with a message saying what happened."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import capability_paths, has_capability, scope_filter
from tisheng.people.models import Teacher
from tisheng.programs.rules import PRESETS, ruleset_summary
from tisheng.tracks import selectors, services
from tisheng.tracks.models import Nomination, ParticipantRule, TrackKind

TRACK_CREATED = gettext_noop("The track “%(name)s” is created; its program is active. Set the places of each subunit "
                             "and wait for nominations.")
QUOTA_SAVED = gettext_noop("%(unit)s has %(target)s places.")
NOMINATED = gettext_noop("%(n)s nominated for “%(track)s”; the office that runs it decides.")
SELECTED = gettext_noop("%(n)s selected and enrolled; they have been notified.")
DECLINED = gettext_noop("%(n)s not selected; they have been notified.")
WITHDRAWN = gettext_noop("The nomination of %(name)s is withdrawn.")
BAD_DATE = gettext_noop("Enter dates as YYYY-MM-DD.")
DATES_REQUIRED = gettext_noop("Enter the start date and the deadline.")


def _date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(_(BAD_DATE)) from exc


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _office_regions(request: HttpRequest) -> list[Region]:
    return list(Region.objects.filter(path__in=capability_paths(request.user, Cap.TRACKS_MANAGE),
                                      level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY])
                .order_by("path"))


@login_required
@require_GET
def track_list(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Cap.TRACKS_VIEW):
        raise Http404
    return render(request, "tracks/list.html", {
        "tracks": list(selectors.track_list(request.user)[:200]),
        "can_create": bool(_office_regions(request)),
        "can_pool": has_capability(request.user, Cap.TRACKS_POOL),
        "mine": list(selectors.my_nominations(request.user)[:50]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def track_new(request: HttpRequest) -> HttpResponse:
    regions = _office_regions(request)
    if not regions:
        raise Http404
    today = timezone.localdate()
    form = {"kind": TrackKind.LEADERSHIP, "name": "", "run_by": str(regions[0].pk), "preset": "moe_2019",
            "required_hours": "", "participant_rule": "", "start_date": today.isoformat(),
            "end_date": dt.date(today.year + 1, 12, 31).isoformat(), "nominations_close": "", "description": ""}
    if request.method == "POST":
        form.update({k: request.POST.get(k, "").strip() for k in form})
        run_by = next((r for r in regions if str(r.pk) == form["run_by"]), regions[0])
        try:
            start, end = _date(form["start_date"]), _date(form["end_date"])
            if start is None or end is None:
                raise ValidationError(_(DATES_REQUIRED))
            track = services.track_create(
                actor=request.user, kind=form["kind"], name=form["name"], run_by=run_by, start_date=start,
                end_date=end, preset=form["preset"], required_hours=services.parse_hours(form["required_hours"]),
                participant_rule=form["participant_rule"] if form["participant_rule"] in ParticipantRule.values
                else "", description=form["description"], nominations_close=_date(form["nominations_close"]))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _(TRACK_CREATED) % {"name": track.program.name})
            return redirect("tracks:detail", track.pk)
    kinds = [(v, label) for v, label in TrackKind.choices if v != TrackKind.FULL_STAFF]
    return render(request, "tracks/new.html", {
        "form": form, "regions": regions, "kinds": kinds, "rules": ParticipantRule.choices,
        "presets": [(k, name) for k, (name, _doc) in PRESETS.items()],
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    track = selectors.get_track_for_user(request.user, pk)
    can_run = selectors.can_run(request.user, track)
    schools = list(selectors.nominating_schools(request.user, track)[:2]) if has_capability(
        request.user, Cap.TRACKS_NOMINATE) else []
    return render(request, "tracks/detail.html", {
        "track": track, "program": track.program, "can_run": can_run,
        "can_nominate": bool(schools) and services.nominations_open(track),
        "can_withdraw": bool(schools) and not can_run,
        "rules": ruleset_summary(track.program.ruleset),
        "units": selectors.quota_rows(request.user, track),
        "nominations": list(selectors.nomination_list(request.user, track)[:1000]),
        "states": Nomination.State,
    })


@login_required
@require_POST
def track_quota(request: HttpRequest, pk: int) -> HttpResponse:
    track = selectors.get_track_for_user(request.user, pk)
    if not selectors.can_run(request.user, track):
        raise PermissionDenied
    unit = request.POST.get("unit", "")
    try:
        try:
            target = int(request.POST.get("target", "").strip())
        except ValueError as exc:
            raise ValidationError(_(services.BAD_TARGET)) from exc
        services.track_quota_set(actor=request.user, track=track, unit_path=unit, target=target)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        name = next((u.name for u in selectors.quota_rows(request.user, track) if u.path == unit), unit)
        messages.success(request, _(QUOTA_SAVED) % {"unit": name, "target": target})
    return redirect("tracks:detail", track.pk)


@login_required
@require_http_methods(["GET", "POST"])
def track_nominate(request: HttpRequest, pk: int) -> HttpResponse:
    track = selectors.get_track_for_user(request.user, pk)
    schools = list(selectors.nominating_schools(request.user, track)[:2000])
    if not schools:
        raise Http404
    school_id = request.POST.get("school") or request.GET.get("school") or (
        str(schools[0].pk) if len(schools) == 1 else "")
    school = next((s for s in schools if str(s.pk) == school_id), None)
    reason = request.POST.get("reason", "").strip()
    chosen = request.POST.getlist("teacher")
    if request.method == "POST" and school is not None:
        teachers = list(scope_filter(Teacher.objects.filter(school=school, pk__in=[c for c in chosen if c.isdigit()]),
                                     request.user, Cap.TRACKS_NOMINATE))
        try:
            services.nominations_create(actor=request.user, track=track, teachers=teachers, reason=reason)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _(NOMINATED) % {"n": len(teachers), "track": track.program.name})
            return redirect("tracks:detail", track.pk)
    return render(request, "tracks/nominate.html", {
        "track": track, "schools": schools, "school": school, "reason": reason, "chosen": chosen,
        "open": services.nominations_open(track),
        "teachers": selectors.nominable_teachers(request.user, track, school) if school else [],
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def track_decide(request: HttpRequest, pk: int) -> HttpResponse:
    track = selectors.get_track_for_user(request.user, pk)
    if not selectors.can_run(request.user, track):
        raise PermissionDenied
    ids = [i for i in request.POST.getlist("nomination") if i.isdigit()]
    nominations = list(selectors.nomination_list(request.user, track).filter(pk__in=ids))
    select = request.POST.get("decision") == "select"
    try:
        n = services.nominations_decide(actor=request.user, track=track, nominations=nominations, select=select,
                                        note=request.POST.get("note", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(SELECTED if select else DECLINED) % {"n": n})
    return redirect("tracks:detail", track.pk)


@login_required
@require_POST
def nomination_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = scope_filter(Nomination.objects.filter(pk=pk), request.user, Cap.TRACKS_NOMINATE).select_related(
        "teacher").first()
    if nomination is None:
        raise Http404
    try:
        services.nomination_withdraw(actor=request.user, nomination=nomination)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _(WITHDRAWN) % {"name": nomination.teacher.name})
    return redirect("tracks:detail", nomination.track_id)
