"""Exports of the monitoring tables (.xlsx, small ones at once, large ones as jobs) and the
offices' page for granting third-party evaluators time-limited access."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts import evaluators
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.core.clientip import client_ip
from tisheng.monitoring.exports import CAPABILITY
from tisheng.monitoring.services import exports
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import capability_paths, has_capability, path_in_scope, path_q

EVALUATOR_VIEWED = "evaluator_viewed"
EXPORT_QUEUED = _("The export has more than 5,000 rows: it is being written in the background.")
GRANTED = _("The evaluator's access was granted.")
REVOKED = _("The evaluator's access was revoked.")
BAD_DATE = _("Enter the end date as YYYY-MM-DD.")
EXPORT_EXPIRED = _("The export file has expired and was deleted. Please export again.")
# The newest exports "My exports" lists (a person makes a few large exports a week).
MY_EXPORTS_LIMIT = 50


def can_export(actor, node_path: str | None) -> bool:
    """Whether the dashboard shows its export buttons for this node."""
    return bool(node_path) and path_in_scope(actor, CAPABILITY, node_path)


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def audit_evaluator_access(view: Callable) -> Callable:
    """Every page an evaluator opens under /monitoring/ goes to the audit log (what, with which
    parameters), so a province can see what a third party looked at."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and evaluators.is_evaluator(user):
            audit(actor=user, action=EVALUATOR_VIEWED, object_type="page", object_id=request.path[:64],
                  scope_path=request.GET.get("node", "")[:96], ip=_ip(request),
                  query={k: v[:96] for k, v in request.GET.items()}, status=response.status_code)
        return response

    return wrapper


@never_cache
@login_required
@require_GET
@audit_evaluator_access
def export(request: HttpRequest, table: str) -> HttpResponse:
    """Export one table with the filters in the query string: the file itself (≤ 5,000 rows) or
    a redirect to the job's progress page."""
    if not has_capability(request.user, CAPABILITY):
        raise Http404
    result = exports.export_table(actor=request.user, table_name=table, raw_params=request.GET, ip=_ip(request))
    if result.job is not None:
        messages.info(request, EXPORT_QUEUED)
        return redirect("monitoring:export_job", pk=result.job.pk)
    response = HttpResponse(result.content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(True, result.filename)
    response["X-Export-Rows"] = str(result.rows)
    return response


@never_cache
@login_required
@require_GET
@audit_evaluator_access
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = exports.get_export_job_for_user(request.user, pk)
    from tisheng.monitoring.exports import TABLES

    table = TABLES.get(job.args.get("table", ""))
    return render(request, "monitoring/export_job.html", {
        "job": job, "table": table, "expired": exports.export_expired(job), "again_url": _again_url(job),
        "node_name": _node_names([job.scope_path]).get(job.scope_path, "")})


def _node_names(paths: list[str]) -> dict[str, str]:
    """Names of the regions and schools at these paths: two queries however many paths."""
    wanted = {p for p in paths if p}
    if not wanted:
        return {}
    names = dict(Region.objects.filter(path__in=wanted).values_list("path", "name"))
    names.update(School.objects.filter(path__in=wanted - names.keys()).values_list("path", "name"))
    return names


def _again_url(job) -> str:
    """The same export again (same table and filters), for an expired one."""
    table = job.args.get("table", "")
    if not table:
        return ""
    return f"{reverse('monitoring:export', args=[table])}?{urlencode(job.args.get('params') or {})}"


@never_cache
@login_required
@require_GET
@audit_evaluator_access
def export_list(request: HttpRequest) -> HttpResponse:
    """The person's own large exports, newest first, with what became of each file."""
    if not has_capability(request.user, CAPABILITY):
        raise Http404
    from tisheng.monitoring.exports import TABLES

    rows = list(exports.export_job_list(request.user)[:MY_EXPORTS_LIMIT])
    names = _node_names([job.scope_path for job in rows])
    for job in rows:
        job.table = TABLES.get(job.args.get("table", ""))
        job.node_name = names.get(job.scope_path, "")
        job.expired = exports.export_expired(job)
    return render(request, "monitoring/export_list.html", {
        "jobs": rows, "retention_days": settings.EXPORT_RETENTION_DAYS})


@never_cache
@login_required
@require_GET
@audit_evaluator_access
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = exports.get_export_job_for_user(request.user, pk)
    try:
        stored, name = exports.export_file(actor=request.user, job_row=job, ip=_ip(request))
    except exports.ExportExpired:
        return render(request, "monitoring/export_expired.html", {
            "job": job, "message": EXPORT_EXPIRED, "again_url": _again_url(job),
            "retention_days": settings.EXPORT_RETENTION_DAYS}, status=410)
    response = storage_files.serve(request, stored, content_type=exports.XLSX, filename=name, as_attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _node_choices(actor) -> list[Region]:
    """Regions an office may grant at (its own and those below); a school is entered by code."""
    roots = capability_paths(actor, evaluators.CAPABILITY)
    return list(Region.objects.filter(path_q("path", roots)).order_by("path")[:300])


@never_cache
@login_required
def evaluator_grants(request: HttpRequest) -> HttpResponse:
    """The office's third-party evaluators: grant a user (by phone) over a node until a date."""
    actor = request.user
    if not has_capability(actor, evaluators.CAPABILITY):
        raise Http404
    errors: list[str] = []
    issued = None  # a new evaluator account's one-time password: shown on this response only
    form = {"phone": "", "node": "", "until": "", "name": "", "organization": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip()[:128 if k == "organization" else 64] for k in form}
        try:
            until = dt.date.fromisoformat(form["until"])
        except ValueError:
            errors.append(str(BAD_DATE))
        else:
            try:
                granted = evaluators.evaluator_grant(actor=actor, phone=form["phone"], node_code=form["node"],
                                                     until=until, name=form["name"],
                                                     organization=form["organization"], ip=_ip(request))
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                if granted.initial_password is None:
                    messages.success(request, GRANTED)
                    return redirect("monitoring:evaluators")
                issued = {"phone": granted.user.phone, "name": granted.user.name,
                          "password": granted.initial_password}
                form = {k: "" for k in form}
    grants = list(evaluators.evaluator_list(actor)[:200])
    now = timezone.now()
    for grant in grants:
        grant.is_current = grant.expires_at is None or grant.expires_at > now
        grant.last_day = (grant.expires_at - dt.timedelta(seconds=1)).astimezone(evaluators.SHANGHAI).date() \
            if grant.expires_at else None
    return render(request, "monitoring/evaluators.html", {
        "grants": grants, "nodes": _node_choices(actor), "errors": errors, "form": form, "issued": issued,
        "default_until": (evaluators.today() + dt.timedelta(days=90)).isoformat(),
    }, status=400 if errors else 200)  # never_cache: the one-time password is not stored on the way


@login_required
@require_POST
def evaluator_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    if not has_capability(actor, evaluators.CAPABILITY):
        raise PermissionDenied
    grant = evaluators.get_evaluator_grant_for_user(actor, pk)
    evaluators.evaluator_revoke(actor=actor, assignment=grant)
    messages.success(request, REVOKED)
    return redirect("monitoring:evaluators")
