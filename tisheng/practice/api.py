"""School-based practice over JSON: the catalogue's current versions, a school's plan, the
signed-in teacher's points (tasks, current evidence, results) and a school's assessment
queue, scoped like the pages (404 outside the caller's scope)."""

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from tisheng.accounts.roles import Cap
from tisheng.orgs.api import require_capability
from tisheng.people.selectors import own_teacher
from tisheng.practice import selectors, services
from tisheng.practice.models import EvidenceTask, PointChoice, PointResult, Submission

router = Router()


class TaskOut(Schema):
    id: int
    order: int
    title: str
    guide: str
    kinds: list[str]
    rubric_excellent: str
    rubric_pass: str


class PointOut(Schema):
    code: str
    name: str
    dimension: str
    environment: str
    confirmed: bool
    version: int
    tasks: list[TaskOut]


class PlanOut(Schema):
    school_code: str
    version: int
    status: str
    environment: str
    goals: str
    research_topics: list[str]
    training_schedule: list[dict]
    comments: str
    approved_version: int | None


class EvidenceOut(Schema):
    task_id: int
    title: str
    kinds: list[str]
    submission_id: int | None
    version: int | None
    file_name: str | None


class MyPointOut(Schema):
    code: str
    name: str
    version: int
    result: str | None
    status: str | None
    recommended: bool
    evidence: list[EvidenceOut]


class QueueRowOut(Schema):
    teacher_id: int
    teacher_name: str
    subject: str
    point: str
    tasks: int
    submitted: int
    graded: int
    stage: str
    result: str | None
    result_status: str | None
    recommended: bool


@router.get("/practice/points", response=list[PointOut], summary="The 30 capability points at their current version")
def points(request: HttpRequest):
    require_capability(request, Cap.PRACTICE_VIEW)
    versions = sorted(services.current_versions().values(), key=lambda v: (v.environment, v.point_id))
    tasks: dict[int, list[EvidenceTask]] = {}
    for t in EvidenceTask.objects.filter(point_version__in=versions).order_by("point_version_id", "order"):
        tasks.setdefault(t.point_version_id, []).append(t)
    return [{"code": v.point.code, "name": v.name, "dimension": v.dimension, "environment": v.environment,
             "confirmed": v.confirmed, "version": v.number, "tasks": tasks.get(v.pk, [])} for v in versions]


@router.get("/practice/schools/{school_id}/plan", response=PlanOut, summary="A school's latest plan")
def plan(request: HttpRequest, school_id: int, program: str | None = None):
    the_program = selectors.practice_program(program)
    school = selectors.school_for_user(request.user, school_id)
    versions = selectors.school_plans(request.user, school, the_program)
    if not versions:
        raise Http404
    latest = versions[0]
    approved = next((v.version for v in versions if v.status == "approved"), None)
    return {"school_code": school.code, "version": latest.version, "status": latest.status,
            "environment": latest.environment, "goals": latest.goals, "research_topics": latest.research_topics,
            "training_schedule": latest.training_schedule, "comments": latest.comments,
            "approved_version": approved}


@router.get("/practice/my", response=list[MyPointOut], summary="The signed-in teacher's points, evidence and results")
def my_points(request: HttpRequest, program: str | None = None):
    require_capability(request, Cap.PRACTICE_SUBMIT)
    teacher = own_teacher(request.user)
    if teacher is None:
        raise Http404
    the_program = selectors.practice_program(program)
    choices = list(PointChoice.objects.filter(program=the_program, teacher=teacher)
                   .select_related("point", "point_version").order_by("point_id"))
    tasks = list(EvidenceTask.objects.filter(point_version__in=[c.point_version_id for c in choices])
                 .order_by("point_version_id", "order"))
    current = {s.task_id: s for s in Submission.objects.filter(program=the_program, teacher=teacher, is_current=True)}
    results = {r.point_id: r for r in PointResult.objects.filter(program=the_program, teacher=teacher)}
    out = []
    for c in choices:
        result = results.get(c.point_id)
        evidence = []
        for t in tasks:
            if t.point_version_id != c.point_version_id:
                continue
            s = current.get(t.pk)
            evidence.append({"task_id": t.pk, "title": t.title, "kinds": t.kinds,
                             "submission_id": s.pk if s else None, "version": s.version if s else None,
                             "file_name": s.original_name if s else None})
        out.append({"code": c.point.code, "name": c.point_version.name, "version": c.point_version.number,
                    "result": result.result if result else None, "status": result.status if result else None,
                    "recommended": bool(result and result.recommended), "evidence": evidence})
    return out


@router.get("/practice/schools/{school_id}/queue", response=list[QueueRowOut],
            summary="A school's assessment queue: teachers × chosen points and how far each has come")
def queue(request: HttpRequest, school_id: int, program: str | None = None):
    the_program = selectors.practice_program(program)
    school = selectors.school_for_user(request.user, school_id)
    return [{"teacher_id": r.teacher_id, "teacher_name": r.teacher_name, "subject": r.teacher_subject,
             "point": r.point_code, "tasks": r.task_count, "submitted": r.submitted_count, "graded": r.graded_count,
             "stage": selectors.queue_stage(r), "result": r.result_value, "result_status": r.result_status,
             "recommended": bool(r.result_recommended)}
            for r in selectors.assessment_queue(request.user, school, the_program)]
