"""The micro-ability catalogue: the list, a point with its tasks and version history, and
the province's edit page (each save is a new version)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tisheng.accounts.roles import Cap
from tisheng.diagnostics.models import MicroAbility
from tisheng.orgs.scope import has_capability
from tisheng.practice import services
from tisheng.practice.models import EvidenceKind, PointVersion

POINT_SAVED = gettext_lazy("Saved as version %(number)s. Submissions made earlier keep their version.")


def _require_view(request) -> None:
    if not has_capability(request.user, Cap.PRACTICE_VIEW):
        raise PermissionDenied


@login_required
def catalogue(request):
    _require_view(request)
    versions = sorted(services.current_versions().values(), key=lambda v: (v.environment, v.point_id))
    counts = {}
    for v in PointVersion.objects.values_list("point_id", flat=True):
        counts[v] = counts.get(v, 0) + 1
    for v in versions:
        v.version_count = counts.get(v.point_id, 0)
    tasks = {}
    for pv_id, title in (PointVersion.objects.filter(pk__in=[v.pk for v in versions])
                         .values_list("pk", "tasks__title").order_by("pk", "tasks__order")):
        tasks.setdefault(pv_id, []).append(title)
    for v in versions:
        v.task_titles = [t for t in tasks.get(v.pk, []) if t]
    return render(request, "practice/catalogue.html", {
        "versions": versions, "can_edit": has_capability(request.user, Cap.PRACTICE_CATALOGUE)})


@login_required
def point_detail(request, code: str):
    _require_view(request)
    point = get_object_or_404(MicroAbility, code=code)
    history = list(PointVersion.objects.filter(point=point).select_related("created_by").order_by("-number"))
    if not history:
        raise PermissionDenied
    shown = history[0]
    if request.GET.get("v", "").isdigit():
        shown = next((v for v in history if v.number == int(request.GET["v"])), shown)
    return render(request, "practice/point.html", {
        "point": point, "version": shown, "tasks": list(shown.tasks.all()), "history": history,
        "is_current": shown == history[0], "kind_labels": dict(EvidenceKind.choices),
        "can_edit": has_capability(request.user, Cap.PRACTICE_CATALOGUE)})


def _tasks_from_post(post) -> list[dict]:
    tasks = []
    count = int(post.get("task_count", "0") or 0)
    for i in range(min(count, 20)):
        prefix = f"task-{i}-"
        if post.get(prefix + "delete"):
            continue
        title = (post.get(prefix + "title") or "").strip()
        if not title and not post.getlist(prefix + "kinds") and not post.get(prefix + "guide"):
            continue  # the empty block for a new task, left empty
        tasks.append({"title": title, "guide": post.get(prefix + "guide", ""), "kinds": post.getlist(prefix + "kinds"),
                      "rubric_excellent": post.get(prefix + "rubric_excellent", ""),
                      "rubric_pass": post.get(prefix + "rubric_pass", "")})
    return tasks


@login_required
def point_edit(request, code: str):
    if not has_capability(request.user, Cap.PRACTICE_CATALOGUE):
        raise PermissionDenied
    point = get_object_or_404(MicroAbility, code=code)
    current = services.current_version(point)
    if current is None:
        raise PermissionDenied
    errors: list[str] = []
    values = {"name": current.name, "confirmed": current.confirmed, "note": ""}
    tasks = [{"title": t.title, "guide": t.guide, "kinds": t.kinds, "rubric_excellent": t.rubric_excellent,
              "rubric_pass": t.rubric_pass} for t in current.tasks.all()]
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "confirmed": bool(request.POST.get("confirmed")),
                  "note": request.POST.get("note", "")}
        tasks = _tasks_from_post(request.POST)
        try:
            version = services.point_edit(actor=request.user, point=point, tasks=tasks, **values)
        except ValidationError as e:
            errors = [_(m) for m in e.messages]
        else:
            messages.success(request, POINT_SAVED % {"number": version.number})
            return redirect("practice:point", code=point.code)
    blocks = [*tasks, {"title": "", "guide": "", "kinds": [], "rubric_excellent": "", "rubric_pass": ""}]
    return render(request, "practice/point_edit.html", {
        "point": point, "current": current, "values": values, "tasks": blocks, "task_count": len(blocks),
        "kinds": EvidenceKind.choices, "errors": errors})
