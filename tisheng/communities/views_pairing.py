"""Pairing pages: the list (for offices, coverage of the rural schools of their area, activity per
pair per month and the pairs gone silent; for schools and institutions, their own pairs),
creating a pair, a pair's page (goals, plan, mentoring pairs, the activity log with its
evidence), the evidence download, and the province's assisted-region tags. Every action ends on a
page that says what happened; bad input re-shows the form with what was typed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.communities import pairing_selectors as ps
from tisheng.communities import pairing_services as services
from tisheng.communities.models import AssistedRegion, PairActivity, SchoolPair
from tisheng.core import storage_files
from tisheng.orgs.models import Organization
from tisheng.orgs.scope import has_capability

PAIR_CREATED_MSG = _("Pair created; the schools have been told.")
MENTOR_ADDED_MSG = _("Mentoring pair added; both teachers have been told.")
ACTIVITY_LOGGED_MSG = _("Activity logged.")
TAGGED_MSG = _("Region tagged.")
UNTAGGED_MSG = _("Tag removed.")


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _may_see_pairs(user) -> bool:
    return any(has_capability(user, c) for c in (Cap.COMMUNITIES_PAIRS_MANAGE, Cap.COMMUNITIES_PAIRS_TAKE_PART,
                                                 Cap.COMMUNITIES_OVERSEE, Cap.COMMUNITIES_VIEW))


@login_required
def pair_list(request):
    if not _may_see_pairs(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    silent_only = request.GET.get("silent") == "1"
    qs = ps.pairs_for(request.user)
    if silent_only:
        qs = qs.filter(ps.silent_pairs_q(today))
    pairs = list(qs[:500])
    months, counts = ps.activity_by_month(pairs, today=today)
    for p in pairs:
        p.months = counts.get(p.pk, [0] * len(months))
        p.silent = ps.is_silent(p, today)
        p.in_force = p.starts_on <= today <= p.ends_on
    oversee = has_capability(request.user, Cap.COMMUNITIES_OVERSEE)
    return render(request, "communities/pair_list.html", {
        "pairs": pairs, "months": months, "silent_only": silent_only, "silent_days": ps.SILENT_DAYS,
        "coverage": ps.coverage(request.user, today=today) if oversee else None,
        "silent_count": sum(1 for p in pairs if p.silent),
        "may_create": bool(ps.manage_scopes(request.user)),
        "may_tag": has_capability(request.user, Cap.COMMUNITIES_RULES)})


@login_required
def pair_create(request):
    scopes = ps.manage_scopes(request.user)
    if not scopes:
        raise PermissionDenied
    organizations = list(Organization.objects.filter(kind__in=["institution", "teacher_college"]).order_by("code")[:300])
    today = timezone.localdate()
    form = {"scope": scopes[0][0], "school_code": "", "strong_school_code": "", "organization": "",
            "starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=365)).isoformat(),
            "goals": "", "plan": ""}
    status = 200
    if request.method == "POST":
        form.update({k: request.POST.get(k, "") for k in form})
        organization = next((o for o in organizations if str(o.pk) == form["organization"]), None)
        try:
            pair = services.pair_create(
                actor=request.user, scope_path=form["scope"], school_code=form["school_code"],
                strong_school_code=form["strong_school_code"], organization=organization,
                starts_on=_date(form["starts_on"]), ends_on=_date(form["ends_on"]), goals=form["goals"],
                plan=form["plan"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            status = 400
        else:
            messages.success(request, PAIR_CREATED_MSG)
            return redirect("communities:pair_detail", pair.pk)
    return render(request, "communities/pair_create.html", {
        "scopes": scopes, "organizations": organizations, "form": form}, status=status)


def _detail(request, pair: SchoolPair, *, status: int = 200, typed: dict | None = None):
    activities = list(pair.activities.select_related("recorded_by", "mentor_pair__mentor_user",
                                                     "mentor_pair__mentee").order_by("-held_on", "-id")[:300])
    return render(request, "communities/pair_detail.html", {
        "p": pair, "manage": ps.can_manage(request.user, pair), "log": ps.can_log(request.user, pair),
        "mentors": list(pair.mentors.select_related("mentor_user", "mentee")), "activities": activities,
        "kinds": PairActivity.Kind.choices, "silent": ps.is_silent(pair), "silent_days": ps.SILENT_DAYS,
        "typed": typed or {"held_on": timezone.localdate().isoformat()}}, status=status)


@login_required
def pair_detail(request, pk: int):
    pair = ps.get_pair_for_user(request.user, pk)
    if request.method != "POST":
        return _detail(request, pair)
    action = request.POST.get("action")
    try:
        if action == "mentor":
            if not (ps.can_manage(request.user, pair) or ps.can_log(request.user, pair)):
                raise PermissionDenied
            services.mentor_pair_add(actor=request.user, pair=pair, mentor_phone=request.POST.get("mentor_phone", ""),
                                     mentee_phone=request.POST.get("mentee_phone", ""))
            messages.success(request, MENTOR_ADDED_MSG)
            return redirect(reverse("communities:pair_detail", args=[pair.pk]) + "#mentors")
        if action == "log":
            if not ps.can_log(request.user, pair):
                raise PermissionDenied
            mentor_pair = request.POST.get("mentor_pair") or ""
            services.activity_log(actor=request.user, pair=pair, kind=request.POST.get("kind", ""),
                                  held_on=_date(request.POST.get("held_on")), title=request.POST.get("title", ""),
                                  description=request.POST.get("description", ""),
                                  mentor_pair_id=int(mentor_pair) if mentor_pair.isdigit() else None,
                                  upload=request.FILES.get("file"))
            messages.success(request, ACTIVITY_LOGGED_MSG)
            return redirect(reverse("communities:pair_detail", args=[pair.pk]) + "#log")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        typed = {k: request.POST.get(k, "") for k in ("kind", "held_on", "title", "description", "mentor_phone",
                                                      "mentee_phone")}
        return _detail(request, pair, status=400, typed=typed)
    raise Http404


@login_required
def pair_evidence(request, pk: int):
    activity = PairActivity.objects.filter(pk=pk).exclude(file_name="").first()
    if activity is None:
        raise Http404
    ps.get_pair_for_user(request.user, activity.pair_id)
    try:
        name = services.evidence_name(activity)
    except OSError:
        raise Http404 from None
    return storage_files.serve(request, name, as_attachment=True, filename=activity.original_name or None,
                               content_type=activity.content_type or "application/octet-stream")


@login_required
def assisted_regions(request):
    if not has_capability(request.user, Cap.COMMUNITIES_RULES):
        raise Http404
    typed, status = {"region_code": "", "tag": "", "note": ""}, 200
    if request.method == "POST":
        try:
            if request.POST.get("untag"):
                services.assisted_region_untag(actor=request.user, region_id=int(request.POST["untag"]))
                messages.success(request, UNTAGGED_MSG)
            else:
                typed = {k: request.POST.get(k, "") for k in typed}
                services.assisted_region_tag(actor=request.user, region_code=typed["region_code"], tag=typed["tag"],
                                             note=typed["note"])
                messages.success(request, TAGGED_MSG)
            return redirect("communities:assisted_regions")
        except (ValidationError, ValueError) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
            status = 400
    return render(request, "communities/assisted_regions.html", {
        "rows": list(AssistedRegion.objects.select_related("region").order_by("region__path")), "typed": typed},
        status=status)

