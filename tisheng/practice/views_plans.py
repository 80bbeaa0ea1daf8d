"""School plans: the county's (city's, province's) list of schools and their plans, and a
school's plan page: the principal edits and submits, names the management team; the county
approves or returns with comments; every version is listed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import capability_paths, has_capability, path_in_scope, scope_filter
from tisheng.people.models import Teacher
from tisheng.practice import selectors, services
from tisheng.practice.models import Environment, SchoolPlan, TeamMember

PLAN_SAVED = gettext_lazy("The plan was saved as a draft (version %(version)s).")
PLAN_SUBMITTED = gettext_lazy("The plan was submitted to the county.")
PLAN_APPROVED = gettext_lazy("The plan was approved; the school's teachers can now choose their points.")
PLAN_RETURNED = gettext_lazy("The plan was returned to the school with your comments.")
MEMBER_ADDED = gettext_lazy("Added to the management team.")
MEMBER_REMOVED = gettext_lazy("Removed from the management team.")


def _url(name: str, program, **kwargs) -> str:
    return f"{reverse(name, kwargs=kwargs)}?program={program.code}"


@login_required
def plans(request):
    """The schools in scope with their plan's status. A school admin goes to their school."""
    program = selectors.practice_program(request.GET.get("program"))
    actor = request.user
    if not has_capability(actor, Cap.PRACTICE_VIEW):
        raise PermissionDenied
    own = capability_paths(actor, Cap.PRACTICE_PLAN)
    if own and not has_capability(actor, Cap.PRACTICE_PLAN_APPROVE) and len(own) == 1:
        school = scope_filter(selectors.School.objects.all(), actor, Cap.PRACTICE_PLAN).first()
        if school is not None:
            return redirect(_url("practice:school_plan", program, school_id=school.pk))
    status = request.GET.get("status", "")
    schools = selectors.plans_overview(actor, program)
    if status == "none":
        schools = schools.filter(plan_status__isnull=True)
    elif status in SchoolPlan.Status.values:
        schools = schools.filter(plan_status=status)
    schools = list(schools[:500])
    return render(request, "practice/plans.html", {
        "program": program, "programs": selectors.practice_programs(), "schools": schools, "status": status,
        "statuses": SchoolPlan.Status.choices})


def _schedule_from_post(post) -> list[dict]:
    dates, titles, kinds = post.getlist("schedule_date"), post.getlist("schedule_title"), post.getlist("schedule_kind")
    return [{"date": d, "title": t, "kind": k} for d, t, k in zip(dates, titles, kinds, strict=False)]


@login_required
def school_plan(request, school_id: int):
    actor = request.user
    program = selectors.practice_program(request.GET.get("program"))
    school = selectors.school_for_user(actor, school_id)
    versions = selectors.school_plans(actor, school, program)
    latest = versions[0] if versions else None
    can_edit = path_in_scope(actor, Cap.PRACTICE_PLAN, school.path)
    can_decide = path_in_scope(actor, Cap.PRACTICE_PLAN_APPROVE, school.path)
    errors: list[str] = []
    editing = latest if latest is not None and latest.status != SchoolPlan.Status.SUBMITTED else None
    form = {"goals": editing.goals if editing else "", "environment": editing.environment if editing else school.environment,
            "topics": "\n".join(editing.research_topics) if editing else "",
            "schedule": list(editing.training_schedule) if editing else []}
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        topics = request.POST.get("research_topics", "").splitlines()
        schedule = _schedule_from_post(request.POST)
        form = {"goals": request.POST.get("goals", ""), "environment": request.POST.get("environment", ""),
                "topics": request.POST.get("research_topics", ""), "schedule": schedule}
        try:
            plan = services.plan_save(actor=actor, school=school, program=program, goals=form["goals"],
                                      environment=form["environment"], research_topics=topics,
                                      training_schedule=schedule)
            if request.POST.get("action") == "submit":
                services.plan_submit(actor=actor, plan=plan)
                messages.success(request, PLAN_SUBMITTED)
            else:
                messages.success(request, PLAN_SAVED % {"version": plan.version})
        except ValidationError as e:
            errors = [_(m) for m in e.messages]
        else:
            return redirect(_url("practice:school_plan", program, school_id=school.pk))
    form["schedule"] = [*form["schedule"], {"date": "", "title": "", "kind": ""}]
    team = list(TeamMember.objects.filter(school=school, program=program).select_related("user")
                .order_by("role", "user__name"))
    candidates = []
    if can_edit:
        candidates = list(User.objects.filter(teacher__school=school, teacher__status="active")
                          .order_by("name")[:300]) if can_edit else []
    return render(request, "practice/school_plan.html", {
        "program": program, "school": school, "versions": versions, "latest": latest,
        "approved": next((v for v in versions if v.status == SchoolPlan.Status.APPROVED), None),
        "can_edit": can_edit and (latest is None or latest.status != SchoolPlan.Status.SUBMITTED),
        "can_manage_team": can_edit, "can_decide": can_decide and latest is not None
        and latest.status == SchoolPlan.Status.SUBMITTED,
        "form": form, "errors": errors, "environments": Environment.choices, "team": team,
        "team_roles": TeamMember.TeamRole.choices, "candidates": candidates})


@login_required
@require_POST
def plan_decide(request, plan_id: int):
    actor = request.user
    plan = scope_filter(SchoolPlan.objects.select_related("school", "program"), actor, Cap.PRACTICE_VIEW
                        ).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    approve = request.POST.get("action") == "approve"
    try:
        services.plan_decide(actor=actor, plan=plan, approve=approve, comments=request.POST.get("comments", ""))
        messages.success(request, PLAN_APPROVED if approve else PLAN_RETURNED)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, _(m))
    return redirect(_url("practice:school_plan", plan.program, school_id=plan.school_id))


@login_required
@require_POST
def team_add(request, school_id: int):
    actor = request.user
    program = selectors.practice_program(request.GET.get("program"))
    school = selectors.school_for_user(actor, school_id, Cap.PRACTICE_PLAN)
    user = User.objects.filter(pk=request.POST.get("user") or 0).first()
    if user is None or not (Teacher.objects.filter(user=user, school=school).exists()
                            or RoleAssignment.objects.filter(user=user, school=school).exists()):
        raise Http404
    try:
        services.team_member_add(actor=actor, school=school, program=program, user=user,
                                 role=request.POST.get("role", ""))
        messages.success(request, MEMBER_ADDED)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, _(m))
    return redirect(_url("practice:school_plan", program, school_id=school.pk))


@login_required
@require_POST
def team_remove(request, member_id: int):
    actor = request.user
    member = scope_filter(TeamMember.objects.select_related("school", "program", "user"), actor, Cap.PRACTICE_VIEW
                          ).filter(pk=member_id).first()
    if member is None:
        raise Http404
    services.team_member_remove(actor=actor, member=member)
    messages.success(request, MEMBER_REMOVED)
    return redirect(_url("practice:school_plan", member.program, school_id=member.school_id))


@login_required
def home(request):
    """校本实践: each role lands where its work is — the school's plan, the assessment queue,
    the list of schools' plans, or the teacher's own points."""
    actor = request.user
    if not has_capability(actor, Cap.PRACTICE_VIEW):
        raise PermissionDenied
    if not selectors.practice_programs():
        return render(request, "practice/no_program.html")
    program = selectors.practice_program(request.GET.get("program"))
    for capability, name in ((Cap.PRACTICE_PLAN, "practice:school_plan"), (Cap.PRACTICE_ASSESS, "practice:queue")):
        school = scope_filter(selectors.School.objects.order_by("path"), actor, capability).first()
        if school is not None and not has_capability(actor, Cap.PRACTICE_PLAN_APPROVE):
            return redirect(_url(name, program, school_id=school.pk))
    if capability_paths(actor, Cap.PRACTICE_VIEW):
        return redirect(_url("practice:plans", program))
    if has_capability(actor, Cap.PRACTICE_SUBMIT):
        return redirect(_url("practice:my", program))
    raise PermissionDenied
