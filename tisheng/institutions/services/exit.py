"""Exit (退出, the Fujian notice 五.(六)): the province suspends or terminates an institution, in
the whole province or in some cities or counties, with a reason and an effective date.

Before confirming, `exit_preview` counts what the decision affects: teachers with unfinished
courses of the institution there, the courses in progress, the hours at stake (the unfinished
courses' 学时) and the hours already credited (which stay: the ledger is never rewritten).

From the effective date its courses leave the catalogues there (learning's
CATALOGUE_COURSE_FILTERS), so they cannot be selected, and a province-wide exit keeps it from new
contracts (CONTRACT_INSTITUTION_FILTERS): both read the decisions in effect, nothing to apply.

The rest is applied once, by `exit_apply`, in a background job (EXIT_APPLY_JOB, tasks.py):
queued with the decision when it takes effect today, else by the periodic run `institution_exits`
on its day (before that round's jobs run). One function for both paths:
- a province-wide exit revokes its API credentials and OIDC clients (integration);
- a termination carries the unfinished courses' progress over (exit_credit);
- every affected teacher is told, with the other institutions contracted for them, whose courses
  their catalogue now offers; the institution's own accounts are told too.
For 8,000 teachers that is 10–16 s here, mostly the notices: too long for a request. It runs in
one transaction that first marks the decision applied under a row lock, so a job run again
(its worker lost and the job retried, two workers, a second job) credits and tells no one twice,
and a job that fails leaves nothing half applied: the page shows the failure and the province
queues it again. A suspension can be lifted; a termination cannot. Everything is audited.

From the effective date no new hours are credited for its courses there, by any channel, and a
termination carries the unfinished courses' progress over where the rule set says so
(exit_credit)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import User
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.institutions.measures import done_at
from tisheng.institutions.models import ExitKind, ExitState, InstitutionExit
from tisheng.institutions.services.exit_credit import CarryPlan, carry_over_credit, carry_plan
from tisheng.learning.models import Contract, Course, CourseSelection
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Organization, Region
from tisheng.orgs.scope import path_in_scope, path_q
from tisheng.programs.completion import fmt_hours

NOT_PROVINCE = _("Suspending or terminating an institution is decided by the province office.")
REASON_REQUIRED = _("Record the reason for the decision (at least 4 characters).")
DATE_PAST = _("The effective date cannot be in the past.")
REGION_INVALID = _("Choose cities or counties of the province, or none for the whole province.")
KIND_INVALID = _("Choose to suspend or to terminate.")
ALREADY_OUT = _("This institution is already terminated in the whole province.")
NOT_LIFTABLE = _("Only a suspension that has not been lifted can be lifted.")
NOT_RETRIABLE = _("Only a decision whose application failed can be applied again.")
PREVIEW_SAMPLE = 50
# The job kind that applies a decision (registered in institutions/tasks.py).
EXIT_APPLY_JOB = "institutions.exit_apply"


def _check_province(actor: User, region: Region) -> None:
    if not path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, region.path):
        raise Http404


def in_effect(on: dt.date | None = None) -> QuerySet[InstitutionExit]:
    return InstitutionExit.objects.filter(effective_on__lte=on or today(), lifted_at__isnull=True)


def _where(paths: list[str], field: str) -> Q:
    return path_q(field, paths)


def _unfinished(institution: Organization, paths: list[str]) -> QuerySet[CourseSelection]:
    return (CourseSelection.objects.filter(_where(paths, "teacher__org_path"), course__institution=institution)
            .annotate(done=done_at()).filter(done__isnull=True))


def regions_from_ids(province: Region, ids: list[str]) -> list[Region]:
    picked = [i for i in ids if str(i).isdigit()]
    regions = list(Region.objects.filter(pk__in=picked).filter(path__startswith=province.path + "/"))
    if len(regions) != len(set(picked)):
        raise ValidationError(REGION_INVALID, code="region_invalid")
    return regions


def exit_preview(*, actor: User, province: Region, institution: Organization, regions: list[Region]) -> dict:
    """What an exit would affect (a fixed number of grouped queries), with what a termination
    would carry over of the unfinished courses (exit_credit.carry_plan)."""
    _check_province(actor, province)
    paths = [r.path for r in regions] or [province.path]
    unfinished = _unfinished(institution, paths)
    by_course = list(unfinished.values("course_id", "course__code", "course__title", "course__hours")
                     .annotate(teachers=Count("teacher_id", distinct=True)).order_by("-teachers", "course__code"))
    teachers = unfinished.values("teacher_id").distinct().count()
    at_stake = sum((Decimal(r["course__hours"]) * r["teachers"] for r in by_course), Decimal(0))
    course_ids = [str(pk) for pk in Course.objects.filter(institution=institution).values_list("pk", flat=True)]
    credited = (LedgerEntry.objects.filter(_where(paths, "teacher__org_path"))
                .filter(Q(source_kind="course", source_id__in=course_ids)
                        | Q(source_kind="xapi", granted_by_system=f"xapi:{institution.code}"))
                .aggregate(h=Sum("hours"))["h"] or Decimal(0))
    sample = list(unfinished.select_related("teacher", "course").order_by("teacher__org_path", "teacher__name")
                  [:PREVIEW_SAMPLE])
    from tisheng.integration.models import ApiCredential, InstitutionApplication

    above = {"/".join(p.split("/")[:n]) for p in paths for n in range(1, p.count("/") + 1)}
    contracts = Contract.objects.filter(institution=institution).filter(
        _where(paths, "region_path") | Q(region_path__in=above))
    carry = carry_plan(institution, paths, unfinished)
    return {
        "teachers": teachers, "courses": by_course, "hours_at_stake": at_stake, "hours_credited": credited,
        "carry": carry, "hours_carried": carry.hours,
        "sample": sample, "contracts": contracts.count(), "province_wide": not regions,
        "credentials": ApiCredential.objects.filter(institution=institution, revoked_at__isnull=True).count(),
        "clients": InstitutionApplication.objects.filter(institution=institution, revoked_at__isnull=True).count(),
    }


@transaction.atomic
def exit_decide(*, actor: User, province: Region, institution: Organization, kind: str, regions: list[Region],
                reason: str, effective_on: dt.date) -> InstitutionExit:
    _check_province(actor, province)
    if institution.kind != "institution":
        raise Http404
    if kind not in ExitKind.values:
        raise ValidationError(KIND_INVALID, code="kind_invalid")
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    if effective_on < today():
        raise ValidationError(DATE_PAST, code="date_past")
    if InstitutionExit.objects.filter(institution=institution, kind=ExitKind.TERMINATE, region_paths=[],
                                      lifted_at__isnull=True).exists():
        raise ValidationError(ALREADY_OUT, code="already_out")
    preview = exit_preview(actor=actor, province=province, institution=institution, regions=regions)
    decision = InstitutionExit.objects.create(
        institution=institution, region=province, scope_path=province.path, kind=kind,
        region_paths=sorted(r.path for r in regions), reason=reason[:2000], effective_on=effective_on,
        created_by=actor, affected={"teachers": preview["teachers"], "courses": len(preview["courses"]),
                                    "hours_at_stake": str(preview["hours_at_stake"]),
                                    "hours_credited": str(preview["hours_credited"]),
                                    "hours_carried": str(preview["hours_carried"] if kind == ExitKind.TERMINATE
                                                         else Decimal(0))})
    audit(actor=actor, action="institutions.exit_decided", obj=decision, institution=institution.pk, kind=kind,
          regions=decision.region_paths, effective_on=effective_on.isoformat(), reason=reason[:255])
    if effective_on <= today():
        exit_apply_queue(decision, actor=actor)
    return decision


def exit_apply_queue(decision: InstitutionExit, *, actor: User | None = None) -> InstitutionExit:
    """Queue the job that applies the decision (with the caller's transaction: a decision rolled
    back queues nothing) and remember it on the decision, whose page shows its state."""
    from tisheng.jobs.services import job_enqueue

    with transaction.atomic():
        job = job_enqueue(actor=actor, kind=EXIT_APPLY_JOB, args={"exit": decision.pk},
                          scope_path=decision.scope_path)
        InstitutionExit.objects.filter(pk=decision.pk).update(apply_job=job)
    decision.apply_job = job
    return decision


@transaction.atomic
def exit_apply_retry(*, actor: User, decision: InstitutionExit) -> InstitutionExit:
    """The province queues a failed application again (nothing of it was applied: see exit_apply)."""
    _check_province(actor, decision.region)
    decision = InstitutionExit.objects.select_for_update().get(pk=decision.pk)  # one retry at a time
    if decision.state != ExitState.FAILED:
        raise ValidationError(NOT_RETRIABLE, code="not_retriable")
    return exit_apply_queue(decision, actor=actor)  # audited as the job queued (job_enqueue)


def _region_names(paths: list[str]) -> str:
    return "、".join(Region.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True))


def exit_apply(decision: InstitutionExit, *, actor: User | None = None) -> int:
    """Take the decision into effect once: revoke access (province-wide), carry over (a
    termination), tell the teachers and the institution, and record on the decision what it came
    to (`affected`: told, carried_teachers, carried_hours). Returns how many teachers were told
    now: 0 when it was applied before (or lifted), whoever runs it again. All or nothing: one
    transaction, begun by marking the decision applied under its row lock (a second run waits
    for the first and then finds it applied); SMS leave after the commit (notifications)."""
    from tisheng.integration.services import institution_access_revoke
    from tisheng.learning.selectors import contracted_institutions_for
    from tisheng.people.models import Teacher

    with transaction.atomic():
        decision = InstitutionExit.objects.select_for_update().select_related("institution", "region").get(
            pk=decision.pk)
        if decision.applied_at is not None or decision.lifted_at is not None:
            return 0
        decision.applied_at = timezone.now()
        decision.save(update_fields=["applied_at"])
        institution = decision.institution
        if not decision.region_paths:
            institution_access_revoke(actor=actor, institution=institution, reason=decision.reason)
        paths = decision.region_paths or [decision.scope_path]
        unfinished = _unfinished(institution, paths)
        rows = list(unfinished.values_list("teacher_id", "program_id", "course__title"))
        # A termination carries the unfinished courses' progress over where the rule set says so,
        # before anyone is told (so the notice says what it carried).
        plan = carry_plan(institution, paths, unfinished) if decision.kind == ExitKind.TERMINATE else CarryPlan()
        carried = carry_over_credit(decision, plan)
        courses: dict[tuple[int, int], list[str]] = defaultdict(list)
        for teacher_id, program_id, title in rows:
            courses[(teacher_id, program_id)].append(title)
        teachers = Teacher.objects.in_bulk({t for t, _p in courses}) if courses else {}
        # The other institutions serving each (program, county): one lookup per place, not per teacher.
        alternatives: dict[tuple[int, str], str] = {}
        what = decision.get_kind_display()
        where = _region_names(decision.region_paths) if decision.region_paths else gettext("the whole province")
        url = reverse("learning:catalogue")
        notices = []
        for (teacher_id, program_id), titles in sorted(courses.items()):
            teacher = teachers[teacher_id]
            place = (program_id, teacher.org_path.rsplit("/", 1)[0])
            if place not in alternatives:
                others = (Organization.objects.filter(pk__in=contracted_institutions_for(teacher, program_id))
                          .exclude(pk=institution.pk).exclude(pk__in=exited_ids_for(teacher.org_path))
                          .order_by("name").values_list("name", flat=True))
                alternatives[place] = "、".join(others)
            body = gettext("%(institution)s is %(what)s in %(where)s from %(date)s (%(reason)s). Your unfinished "
                           "courses %(courses)s can no longer be completed there; the hours you already earned "
                           "stay.") % {"institution": institution.name, "what": what, "where": where,
                                       "date": decision.effective_on.isoformat(), "reason": decision.reason,
                                       "courses": "、".join(f"《{t}》" for t in titles)}
            mine = [c for c in carried.get(teacher_id, []) if c.program_id == program_id]
            if mine:
                body += " " + gettext("Carried over to your online hours: %(courses)s.") % {"courses": "、".join(
                    gettext("《%(course)s》 %(hours)s hours") % {"course": c.title, "hours": fmt_hours(c.hours)}
                    for c in mine)}
            elif decision.kind == ExitKind.TERMINATE and program_id not in plan.carrying:
                body += " " + gettext("Your program's rules carry no progress over from these courses.")
            if alternatives[place]:
                body += " " + gettext("Choose courses of another institution in your catalogue: %(others)s.") % {
                    "others": alternatives[place]}
            notices.append(Message(to=teacher, kind=Kind.OTHER, url=f"{url}?program={program_id}", body=body,
                                   title=gettext("Your training institution has stopped")))
        from tisheng.institutions.services.selection import _institution_users

        for user in _institution_users([institution.pk])[institution.pk]:
            notices.append(Message(to=user, kind=Kind.OTHER, url="", title=gettext("Your institution is %(what)s") % {
                "what": what}, body=gettext("%(where)s, from %(date)s. Reason: %(reason)s") % {
                "where": where, "date": decision.effective_on.isoformat(), "reason": decision.reason}))
        notify_many(notices)
        carried_hours = sum((c.hours for rows in carried.values() for c in rows), Decimal(0))
        decision.affected = {**decision.affected, "told": len(teachers), "carried_teachers": len(carried),
                             "carried_hours": fmt_hours(carried_hours)}
        decision.save(update_fields=["affected"])
        audit(actor=actor, action="institutions.exit_applied", obj=decision, institution=institution.pk,
              teachers=len(teachers), carried_teachers=len(carried), carried_hours=str(carried_hours))
    return len(teachers)


def exits_apply_due() -> int:
    """Periodic (before the round's jobs run): queue the application of the decisions whose
    effective date has come and that have no job yet; the same round's jobs (or a worker) then
    apply them. A failed job is not queued again by itself: the province sees the failure and
    queues it again. Cheap when none is due (one query). Returns how many were queued."""
    queued = 0
    for decision in (in_effect().filter(applied_at__isnull=True, apply_job__isnull=True)
                     .order_by("effective_on", "pk")):
        exit_apply_queue(decision)
        queued += 1
    return queued


@transaction.atomic
def exit_lift(*, actor: User, decision: InstitutionExit) -> InstitutionExit:
    """End a suspension: its courses return to the catalogues (credentials revoked stay revoked;
    the institution asks for new ones)."""
    _check_province(actor, decision.region)
    if decision.kind != ExitKind.SUSPEND or decision.lifted_at is not None:
        raise ValidationError(NOT_LIFTABLE, code="not_liftable")
    decision.lifted_at, decision.lifted_by = timezone.now(), actor
    decision.save(update_fields=["lifted_at", "lifted_by"])
    audit(actor=actor, action="institutions.exit_lifted", obj=decision, institution=decision.institution_id)
    return decision


def exited_ids_for(org_path: str, on: dt.date | None = None) -> QuerySet:
    """Ids of the institutions out (in effect, not lifted) at a teacher's place: province-wide or
    over a region above it. The few decisions in effect are read and matched by path."""
    ids = []
    for institution_id, paths in in_effect(on).values_list("institution_id", "region_paths"):
        if not paths or any(org_path == p or org_path.startswith(p + "/") for p in paths):
            ids.append(institution_id)
    return Organization.objects.filter(pk__in=ids).values("pk")


def narrow_catalogue(teacher, courses):
    """learning.CATALOGUE_COURSE_FILTERS: no course of an institution out where the teacher is."""
    if not InstitutionExit.objects.filter(lifted_at__isnull=True, effective_on__lte=today()).exists():
        return courses
    return courses.exclude(institution_id__in=exited_ids_for(teacher.org_path))


def narrow_contracts(program, institutions):
    """learning.CONTRACT_INSTITUTION_FILTERS: no new contract for an institution out province-wide."""
    out = in_effect().filter(region_paths=[]).values("institution_id")
    return institutions.exclude(pk__in=out)


def exit_list(actor: User) -> QuerySet[InstitutionExit]:
    from tisheng.orgs.scope import capability_paths

    return (InstitutionExit.objects.filter(path_q("scope_path", capability_paths(actor, Cap.INSTITUTIONS_MANAGE)))
            .select_related("institution", "created_by", "lifted_by", "apply_job"))

