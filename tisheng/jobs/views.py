from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tisheng.jobs.models import Job
from tisheng.jobs.selectors import get_job_for_user


def job_as_json(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "state_label": job.get_state_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "result": job.result,
        "failed": job.state == "failed",
        # A job that ran again says so (its earlier attempts' errors stay in Job.errors, for the log).
        "attempts": job.attempts,
    }


@require_GET
@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls."""
    return JsonResponse(job_as_json(get_job_for_user(request.user, pk)))


@require_GET
@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar as a partial (pages include it; this renders it alone)."""
    return render(request, "jobs/progress.html", {"job": get_job_for_user(request.user, pk)})
