"""Workshop pages: the list (one's own, the open ones of one's area, and for offices those in
their area), creating one, a workshop's page (members, invitations, activities, the teacher's
points and hours), and an activity's page by kind: topic discussion (threads, shared with the
class discussion), collective lesson preparation (the design's versions and comments on its
parts), lesson study (the video and comments at times in it), live session (time, link,
attendance, recording). Every action ends on a page with a message saying what happened; bad
input re-shows the form with what was typed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.communities import discussion, workshop_sites
from tisheng.communities import workshop_selectors as ws
from tisheng.communities import workshop_services as services
from tisheng.communities.models import (
    DESIGN_SECTIONS,
    DesignVersion,
    VideoComment,
    Workshop,
    WorkshopActivity,
)
from tisheng.orgs.scope import has_capability
from tisheng.programs.models import Program

WORKSHOP_CREATED_MSG = _("Workshop created.")
JOINED_MSG = _("You have joined the workshop.")
INVITED_MSG = _("%(count)s teachers invited; they have been told.")
NOT_FOUND_MSG = _("These numbers name no teacher of the workshop's area: %(phones)s")
ACTIVITY_CREATED_MSG = _("Activity created; the members have been told.")
THREAD_POSTED_MSG = _("Thread posted.")
DESIGN_SAVED_MSG = _("Version %(number)s of the lesson design saved.")
COMMENT_POSTED_MSG = _("Comment posted.")
ATTENDANCE_MSG = _("Attendance recorded: %(count)s members attended.")
CLOSED_MSG = _("Activity closed: %(count)s participants' points converted to hours.")
SAVED_MSG = _("Saved.")
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _when(value: str | None) -> dt.datetime | None:
    try:
        naive = dt.datetime.strptime((value or "").strip(), TIME_FORMAT)  # noqa: DTZ007 - made aware below
    except ValueError:
        return None
    return timezone.make_aware(naive)


@login_required
def workshop_list(request):
    if not has_capability(request.user, Cap.COMMUNITIES_VIEW):
        raise PermissionDenied
    return render(request, "communities/workshop_list.html", {
        "workshops": ws.workshops_for(request.user)[:300], "model_sites": workshop_sites.designated_ids(),
        "may_create": has_capability(request.user, Cap.COMMUNITIES_WORKSHOPS_CREATE)})


@login_required
def workshop_create(request):
    scopes = ws.creation_scopes(request.user)
    if not scopes:
        raise PermissionDenied
    programs = list(Program.objects.filter(status="active").order_by("-start_date", "code"))
    form = {"name": "", "kind": Workshop.Kind.WORKSHOP, "access": Workshop.Access.OPEN, "description": "",
            "scope": scopes[0][0], "program": programs[0].pk if programs else None, "leader_phone": ""}
    if request.method == "POST":
        form.update({k: request.POST.get(k, "") for k in ("name", "kind", "access", "description", "scope",
                                                          "leader_phone")})
        program = next((p for p in programs if str(p.pk) == request.POST.get("program")), None)
        form["program"] = program.pk if program else None
        try:
            workshop = services.workshop_create(
                actor=request.user, name=form["name"], program=program, scope_path=form["scope"],
                kind=form["kind"] if form["kind"] in Workshop.Kind.values else Workshop.Kind.WORKSHOP,
                access=form["access"] if form["access"] in Workshop.Access.values else Workshop.Access.OPEN,
                description=form["description"], leader_phone=form["leader_phone"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, WORKSHOP_CREATED_MSG)
            return redirect("communities:workshop_detail", workshop.pk)
    return render(request, "communities/workshop_create.html", {
        "scopes": scopes, "programs": programs, "form": form, "kinds": Workshop.Kind.choices,
        "accesses": Workshop.Access.choices}, status=400 if request.method == "POST" else 200)


@login_required
def workshop_detail(request, pk: int):
    workshop = ws.get_workshop_for_user(request.user, pk)
    member = ws.membership(request.user, workshop)
    lead = ws.can_lead(request.user, workshop, member)
    rule = ws.hours_rule(workshop.program)
    credits = ws.my_credits(request.user, workshop)
    return render(request, "communities/workshop_detail.html", {
        "w": workshop, "member": member, "lead": lead, "may_join": ws.can_join(request.user, workshop, member),
        "members": ws.members_of(workshop), "activities": list(ws.activities_of(workshop)),
        "rule": rule, "rule_points": _rule_points(rule), "credits": credits, "my_hours": sum(c.hours for c in credits),
        "my_points": sum(c.points for c in credits),
        "designation": workshop_sites.designation_of(workshop),
        # Those who run it (leader, joined co-leaders, creator) apply for 示范性网络研修社区.
        "site_apply_url": workshop_sites.apply_url(workshop) if lead else "",
        "kinds": WorkshopActivity.Kind.choices, "sections": DESIGN_SECTIONS})


@login_required
@require_POST
def workshop_join(request, pk: int):
    workshop = ws.get_workshop_for_user(request.user, pk)
    try:
        services.workshop_join(actor=request.user, workshop=workshop)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, JOINED_MSG)
    return redirect("communities:workshop_detail", workshop.pk)


@login_required
@require_POST
def workshop_invite(request, pk: int):
    workshop = ws.get_workshop_for_user(request.user, pk)
    if not ws.can_lead(request.user, workshop):
        raise PermissionDenied
    try:
        count, unknown = services.members_invite(actor=request.user, workshop=workshop,
                                                 phones_text=request.POST.get("phones", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, INVITED_MSG % {"count": count})
        if unknown:
            messages.warning(request, NOT_FOUND_MSG % {"phones": "、".join(unknown)})
    return redirect(reverse("communities:workshop_detail", args=[workshop.pk]) + "#members")


@login_required
def activity_create(request, pk: int):
    workshop = ws.get_workshop_for_user(request.user, pk)
    if not ws.can_lead(request.user, workshop):
        raise PermissionDenied
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    form = {"kind": kind if kind in WorkshopActivity.Kind.values else WorkshopActivity.Kind.DISCUSSION,
            "title": "", "description": "",
            "starts_at": "", "ends_at": "", "link": "", "video_url": "", "design": {}}
    if request.method == "POST":
        form.update({k: request.POST.get(k, "") for k in ("title", "description", "starts_at", "ends_at",
                                                          "link", "video_url")})
        form["design"] = {key: request.POST.get(f"section-{key}", "") for key, _label in DESIGN_SECTIONS}
        try:
            activity = services.activity_create(
                actor=request.user, workshop=workshop, kind=form["kind"], title=form["title"],
                description=form["description"], starts_at=_when(form["starts_at"]), ends_at=_when(form["ends_at"]),
                link=form["link"], video_url=form["video_url"], design=form["design"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, ACTIVITY_CREATED_MSG)
            return redirect("communities:activity_detail", activity.pk)
    return render(request, "communities/activity_create.html", {
        "w": workshop, "form": form, "kinds": WorkshopActivity.Kind.choices,
        "kind_label": dict(WorkshopActivity.Kind.choices)[form["kind"]],
        "sections": [(k, label, form["design"].get(k, "")) for k, label in DESIGN_SECTIONS]},
        status=400 if request.method == "POST" else 200)


def _design_context(activity: WorkshopActivity, request, typed: dict | None) -> dict:
    versions = list(DesignVersion.objects.filter(activity=activity).select_related("author").order_by("-number"))
    latest = versions[0] if versions else None
    wanted = request.GET.get("version")
    shown = next((v for v in versions if str(v.number) == wanted), latest)
    comments: dict[str, list] = {}
    if shown is not None:
        for c in shown.comments.select_related("author").order_by("id"):
            comments.setdefault(c.section, []).append(c)
    sections = [{"key": k, "label": label, "text": (shown.sections.get(k, "") if shown else ""),
                 "comments": comments.get(k, []),
                 "draft": (typed or {}).get(k, latest.sections.get(k, "") if latest else "")}
                for k, label in DESIGN_SECTIONS]
    return {"versions": versions, "latest": latest, "shown": shown, "design_sections": sections,
            # After a stale save the form is based on the latest version: its text is kept, and
            # saving again (once compared) goes through.
            "base_number": latest.number if latest else 0}


@login_required
def activity_detail(request, pk: int):
    activity = ws.get_activity_for_user(request.user, pk)
    workshop = activity.workshop
    member = ws.membership(request.user, workshop)
    lead = ws.can_lead(request.user, workshop, member)
    take_part = ws.can_take_part(request.user, workshop, member)
    typed, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "close" or action == "attendance" or action == "feature":
            if not lead:
                raise PermissionDenied
        elif not take_part:
            raise PermissionDenied
        try:
            done = _act(request, activity, action)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            status = 400
            if action == "design":
                typed = {key: request.POST.get(f"section-{key}", "") for key, _label in DESIGN_SECTIONS}
        else:
            messages.success(request, done[0])
            return redirect(done[1])
    rule = ws.hours_rule(workshop.program)
    counts = ws.activity_counts(activity)
    mine = counts.get(request.user.pk, {})
    context = {
        "a": activity, "w": workshop, "lead": lead, "take_part": take_part and not activity.closed, "rule": rule,
        "rule_points": _rule_points(rule),
        "my_points": ws.points_of(mine, rule) if mine else 0,
        "my_conversion": services.conversion_text(mine, rule) if mine else "",
        "my_hours_if_closed": ws.hours_for_points(ws.points_of(mine, rule), rule) if mine else 0,
        "credits": list(activity.credits.select_related("user").order_by("-points", "id")) if activity.closed
        else [],
        "typed": typed,
    }
    if lead and not activity.closed:
        from django.contrib.auth import get_user_model

        names = dict(get_user_model().objects.filter(pk__in=counts).values_list("pk", "name"))
        context["preview"] = sorted(
            ({"name": names.get(u, ""), "points": ws.points_of(c, rule), "text": services.conversion_text(c, rule),
              "hours": ws.hours_for_points(ws.points_of(c, rule), rule)} for u, c in counts.items()),
            key=lambda r: -r["points"])
    if activity.kind == WorkshopActivity.Kind.DISCUSSION:
        context["threads"] = list(discussion.threads_of(activity, moderator=lead)[:200])
    elif activity.kind == WorkshopActivity.Kind.LESSON_PREP:
        context.update(_design_context(activity, request, typed))
    elif activity.kind == WorkshopActivity.Kind.LESSON_STUDY:
        context["video_comments"] = list(VideoComment.objects.filter(activity=activity).select_related("author")
                                         .order_by("seconds", "id")[:1000])
    elif activity.kind == WorkshopActivity.Kind.LIVE:
        context["attendees"] = set(activity.attendance.values_list("user_id", flat=True))
        context["members"] = [m for m in ws.members_of(workshop) if m.state == "joined"]
    return render(request, "communities/activity_detail.html", context, status=status)


def _rule_points(rule) -> dict[str, int]:
    return {action: rule.points_for(action) for action in rule.POINT_ACTIONS}


def _int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _act(request, activity: WorkshopActivity, action: str) -> tuple[str, str]:
    """Run one POSTed action; (message, where to go next)."""
    url = reverse("communities:activity_detail", args=[activity.pk])
    post, actor = request.POST, request.user
    if action == "thread" and activity.kind == WorkshopActivity.Kind.DISCUSSION:
        thread = discussion.thread_create(actor=actor, activity=activity, title=post.get("title"),
                                          body=post.get("body"), topic=post.get("topic", ""))
        return _gettext(THREAD_POSTED_MSG), reverse("communities:thread_detail", args=[thread.pk])
    if action == "design":
        sections = {key: post.get(f"section-{key}", "") for key, _label in DESIGN_SECTIONS}
        version = services.design_save(actor=actor, activity=activity, base_number=_int(post.get("base")),
                                       sections=sections, note=post.get("note", ""))
        return _gettext(DESIGN_SAVED_MSG) % {"number": version.number}, url + "#design"
    if action == "design_comment":
        version = DesignVersion.objects.filter(activity=activity, number=_int(post.get("version"))).first()
        if version is None:
            raise Http404
        services.design_comment(actor=actor, activity=activity, version=version, section=post.get("section", ""),
                                body=post.get("body"))
        return (_gettext(COMMENT_POSTED_MSG),
                url + f"?version={version.number}#section-{post.get('section', '')}")
    if action == "video_comment":
        comment = services.video_comment(actor=actor, activity=activity, at=post.get("at", ""),
                                         body=post.get("body"))
        return _gettext(COMMENT_POSTED_MSG), url + f"#t-{comment.pk}"
    if action == "feature":
        comment = VideoComment.objects.filter(activity=activity, pk=_int(post.get("comment"))).first()
        if comment is None:
            raise Http404
        services.video_comment_feature(actor=actor, comment=comment, featured=not comment.featured)
        return _gettext(SAVED_MSG), url + f"#t-{comment.pk}"
    if action == "attendance":
        ids = [_int(v) for v in post.getlist("attended")]
        count = services.live_record(actor=actor, activity=activity, attended_user_ids=ids,
                                     recording_url=post.get("recording_url", ""), link=post.get("link", ""))
        return _gettext(ATTENDANCE_MSG) % {"count": count}, url + "#attendance"
    if action == "close":
        credits = services.activity_close(actor=actor, activity=activity)
        return _gettext(CLOSED_MSG) % {"count": len(credits)}, url + "#credits"
    raise Http404
