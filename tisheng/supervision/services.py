"""Supervision writes. Each is one transaction with an audit row; a decision about someone's
work tells them (the inspector when assigned, the unit when graded, the owner when an item is
raised, accepted or reopened, the office and inspectors when the unit answers).

Planning a round over a province's 84 counties is five reads for the figures (figures.py) and
one bulk INSERT of the inspections."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import path_in_scope
from tisheng.programs.models import Program
from tisheng.supervision import selectors
from tisheng.supervision.evidence import StoredEvidence, evidence_check, evidence_receive, evidence_record
from tisheng.supervision.figures import unit_figures
from tisheng.supervision.models import (
    Finding,
    Grade,
    Inspection,
    Rectification,
    RectificationAnswer,
    Round,
    RoundKind,
)
from tisheng.supervision.rubric import rubric_clean

NOT_YOUR_REGION = gettext_noop("You can only plan supervision of the units below your own office.")
TITLE_REQUIRED = gettext_noop("Give the round a title.")
DATES_REVERSED = gettext_noop("The end date must not be before the start date.")
NO_UNITS = gettext_noop("Choose at least one unit to inspect.")
ROUND_CLOSED = gettext_noop("This round is closed; nothing can be changed any more.")
NOT_AN_INSPECTOR = gettext_noop("This person is not an inspector of this round's area.")
NOT_ASSIGNED = gettext_noop("Only the inspectors assigned to this unit can record its findings.")
ALREADY_GRADED = gettext_noop("This unit has been graded; its findings can no longer be changed.")
BAD_GRADE = gettext_noop("Choose a grade.")
MISSING_FINDINGS = gettext_noop("Record a finding for every indicator before grading the unit: %(names)s.")
NOT_AN_OWNER = gettext_noop("The owner must be a person answering for the inspected unit.")
DEADLINE_PAST = gettext_noop("The deadline must not be in the past.")
DESCRIPTION_REQUIRED = gettext_noop("Describe what must be rectified.")
CANNOT_RAISE = gettext_noop("Only the round's office or the unit's inspectors can raise rectification items.")
NOT_THE_UNIT = gettext_noop("Only the inspected unit answers its rectification items.")
NOT_AWAITING_ANSWER = gettext_noop("This item is not waiting for an answer.")
ANSWER_REQUIRED = gettext_noop("Say what was done.")
NOT_THE_OFFICE = gettext_noop("Only the office that planned the round decides on rectifications.")
NOT_ANSWERED = gettext_noop("This item has no answer waiting for a decision.")
REOPEN_NOTE_REQUIRED = gettext_noop("Say why the item is reopened.")


def _inspection_url(inspection: Inspection) -> str:
    return reverse("supervision:inspection", args=[inspection.pk])


def _unit_candidates(region: Region) -> list[tuple[str, str, str]]:
    """(path, code, name) of the units an office at `region` inspects: the counties below a
    province or city, the schools of a county."""
    if region.level == RegionLevel.COUNTY:
        return list(School.objects.filter(county=region).order_by("path").values_list("path", "code", "name"))
    return list(Region.objects.filter(level=RegionLevel.COUNTY, path__startswith=region.path + "/")
                .order_by("path").values_list("path", "code", "name"))


def unit_candidates(region: Region) -> list[tuple[str, str, str]]:
    return _unit_candidates(region)


def round_create(*, actor, region: Region, program: Program, title: str, kind: str, starts_on: dt.date,
                 ends_on: dt.date, indicators: list[dict], units: list[str] | None = None) -> Round:
    """Plan a round over the units below `region` (all of them, or those in `units`), with
    every unit's platform figures filled in now."""
    if not path_in_scope(actor, Cap.SUPERVISION_MANAGE, region.path):
        raise PermissionDenied(_(NOT_YOUR_REGION))
    errors = []
    title = (title or "").strip()[:128]
    if not title:
        errors.append(_(TITLE_REQUIRED))
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(_(DATES_REVERSED))
    try:
        rubric = rubric_clean(indicators)
    except ValidationError as exc:
        errors.extend(exc.messages)
    candidates = _unit_candidates(region)
    if units is not None:
        wanted = set(units)
        candidates = [c for c in candidates if c[0] in wanted]
    if not candidates:
        errors.append(_(NO_UNITS))
    if errors:
        raise ValidationError(errors)
    unit_level = "school" if region.level == RegionLevel.COUNTY else "county"
    figures, day = unit_figures(program, unit_level, [c[0] for c in candidates])
    with transaction.atomic():
        round_ = Round(title=title, kind=kind if kind in RoundKind.values else RoundKind.REGULAR, region=region,
                       region_path=region.path, program=program, unit_level=unit_level, starts_on=starts_on,
                       ends_on=ends_on, indicators=rubric, figures_day=day, created_by=actor)
        round_.full_clean()
        round_.save()
        Inspection.objects.bulk_create([
            Inspection(round=round_, unit_path=path, unit_code=code, unit_name=name, figures=figures[path])
            for path, code, name in candidates], batch_size=1000)
        audit(actor=actor, action="supervision.round_create", obj=round_, units=len(candidates),
              kind=round_.kind, program=program.pk)
    return round_


def _require_open(round_: Round) -> None:
    if not round_.is_open:
        raise ValidationError(_(ROUND_CLOSED))


def inspectors_assign(*, actor, round_: Round, inspector, inspections: list[Inspection]) -> int:
    """Add `inspector` to each of `inspections` (of this round); tells them which units."""
    if not path_in_scope(actor, Cap.SUPERVISION_MANAGE, round_.region_path):
        raise PermissionDenied(_(NOT_THE_OFFICE))
    _require_open(round_)
    if inspector.pk not in {u.pk for u in selectors.inspector_candidates(round_)}:
        raise ValidationError(_(NOT_AN_INSPECTOR))
    inspections = [i for i in inspections if i.round_id == round_.pk]
    if not inspections:
        raise ValidationError(_(NO_UNITS))
    with transaction.atomic():
        through = Inspection.inspectors.through
        through.objects.bulk_create([through(inspection_id=i.pk, user_id=inspector.pk) for i in inspections],
                                    ignore_conflicts=True)
        audit(actor=actor, action="supervision.inspectors_assign", obj=round_, inspector=inspector.pk,
              units=[i.unit_code for i in inspections])
        names = "、".join(i.unit_name for i in inspections[:10]) + ("等" if len(inspections) > 10 else "")
        notify_many([Message(
            to=inspector, kind=Kind.OTHER, title=f"督导任务：{round_.title}",
            body=f"您被安排督导{names}（共 {len(inspections)} 个单位），督导期 {round_.starts_on} 至 {round_.ends_on}。",
            url=reverse("supervision:home"))])
    return len(inspections)


def findings_record(*, actor, inspection: Inspection, entries: list[dict],
                    files: dict[str, list[UploadedFile]] | None = None) -> int:
    """Record or revise the inspector's finding for each indicator in `entries`
    ({indicator, grade, comment}); `files` maps an indicator code to its evidence uploads.
    An entry without a grade is skipped. Returns how many findings were written."""
    access = selectors.access_for(actor, inspection)
    if not access.inspector:
        raise PermissionDenied(_(NOT_ASSIGNED))
    _require_open(inspection.round)
    if inspection.status == Inspection.Status.GRADED:
        raise ValidationError(_(ALREADY_GRADED))
    indicators = {i["code"]: i for i in inspection.round.indicators}
    files = files or {}
    for uploads in files.values():
        evidence_check(uploads)
    wanted = [entry for entry in entries if entry.get("indicator") in indicators and entry.get("grade", "")]
    if any(entry["grade"] not in Grade.values for entry in wanted):
        raise ValidationError(_(BAD_GRADE))
    written = 0
    # The files first, outside the transaction; rows that are not written take them away again.
    with storage_files.discarded_on_error() as saved:
        received: dict[str, list[StoredEvidence]] = {}
        for entry in wanted:
            for upload in files.get(entry["indicator"], []):
                stored = evidence_receive(actor=actor, inspection=inspection, upload=upload)
                saved.append(stored.name)
                received.setdefault(entry["indicator"], []).append(stored)
        with transaction.atomic():
            existing = {f.indicator: f for f in inspection.findings.all()}
            for entry in wanted:
                code, grade = entry["indicator"], entry["grade"]
                indicator = indicators[code]
                value = inspection.figures.get(indicator["metric"]) if indicator["metric"] else None
                comment = (entry.get("comment") or "").strip()[:2000]
                finding = existing.get(code)
                if finding is None:
                    finding = Finding(inspection=inspection, indicator=code)
                changed = finding.pk is None or finding.grade != grade or finding.comment != comment
                finding.grade, finding.comment, finding.value = grade, comment, value
                finding.recorded_by, finding.recorded_at = actor, timezone.now()
                finding.full_clean()
                finding.save()
                for stored in received.get(code, []):
                    evidence_record(actor=actor, inspection=inspection, stored=stored, finding=finding)
                    changed = True
                if changed:
                    written += 1
                    audit(actor=actor, action="supervision.finding_record", obj=finding,
                          scope_path=inspection.unit_path, indicator=indicator["name"], grade=grade, value=value)
    return written


def inspection_grade(*, actor, inspection: Inspection, grade: str, summary: str) -> Inspection:
    """The inspector's overall grade; every indicator needs its finding first. Tells the unit
    and the office."""
    access = selectors.access_for(actor, inspection)
    if not access.inspector:
        raise PermissionDenied(_(NOT_ASSIGNED))
    round_ = inspection.round
    _require_open(round_)
    if inspection.status == Inspection.Status.GRADED:
        raise ValidationError(_(ALREADY_GRADED))
    if grade not in Grade.values:
        raise ValidationError(_(BAD_GRADE))
    done = set(inspection.findings.values_list("indicator", flat=True))
    missing = [i["name"] for i in round_.indicators if i["code"] not in done]
    if missing:
        raise ValidationError(_(MISSING_FINDINGS) % {"names": "、".join(missing)})
    with transaction.atomic():
        inspection.grade, inspection.summary = grade, (summary or "").strip()[:4000]
        inspection.status, inspection.graded_by, inspection.graded_at = Inspection.Status.GRADED, actor, timezone.now()
        inspection.full_clean()
        inspection.save()
        audit(actor=actor, action="supervision.inspection_grade", obj=inspection, round=round_.pk, grade=grade)
        label = Grade(grade).label
        people = [*selectors.owner_candidates(inspection), round_.created_by]
        notify_many([Message(to=user, kind=Kind.OTHER, title=f"督导结果：{inspection.unit_name}",
                             body=f"“{round_.title}”对{inspection.unit_name}的督导评定为“{label}”。",
                             url=_inspection_url(inspection))
                     for user in {u.pk: u for u in people}.values()])
    return inspection


def rectification_add(*, actor, inspection: Inspection, description: str, owner, deadline: dt.date,
                      indicator: str = "") -> Rectification:
    access = selectors.access_for(actor, inspection)
    if not (access.office or access.inspector):
        raise PermissionDenied(_(CANNOT_RAISE))
    _require_open(inspection.round)
    errors = []
    description = (description or "").strip()[:2000]
    if not description:
        errors.append(_(DESCRIPTION_REQUIRED))
    if owner is None or owner.pk not in {u.pk for u in selectors.owner_candidates(inspection)}:
        errors.append(_(NOT_AN_OWNER))
    if deadline is None or deadline < shanghai_today():
        errors.append(_(DEADLINE_PAST))
    codes = {i["code"] for i in inspection.round.indicators}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = Rectification(inspection=inspection, indicator=indicator if indicator in codes else "",
                             description=description, owner=owner, deadline=deadline, created_by=actor)
        item.full_clean()
        item.save()
        audit(actor=actor, action="supervision.rectification_add", obj=item, scope_path=inspection.unit_path,
              owner=owner.pk, deadline=deadline.isoformat())
        notify_many([Message(to=owner, kind=Kind.OTHER, title=f"整改事项：{inspection.unit_name}",
                             body=f"“{inspection.round.title}”要求{inspection.unit_name}整改：{description[:80]}。"
                                  f"请于 {deadline} 前提交整改情况。", url=_inspection_url(inspection))])
    return item


def rectification_answer(*, actor, item: Rectification, text: str,
                         files: list[UploadedFile] | None = None) -> RectificationAnswer:
    inspection = item.inspection
    if not selectors.access_for(actor, inspection).unit:
        raise PermissionDenied(_(NOT_THE_UNIT))
    _require_open(inspection.round)
    if not item.awaits_unit:
        raise ValidationError(_(NOT_AWAITING_ANSWER))
    text = (text or "").strip()[:4000]
    if not text:
        raise ValidationError(_(ANSWER_REQUIRED))
    files = files or []
    evidence_check(files)
    # The files first, outside the transaction; an answer that is not written takes them away again.
    with storage_files.discarded_on_error() as saved:
        received = []
        for upload in files:
            received.append(evidence_receive(actor=actor, inspection=inspection, upload=upload))
            saved.append(received[-1].name)
        with transaction.atomic():
            locked = Rectification.objects.select_for_update().get(pk=item.pk)
            if not locked.awaits_unit:
                raise ValidationError(_(NOT_AWAITING_ANSWER))
            answer = RectificationAnswer.objects.create(rectification=item, text=text, answered_by=actor)
            for stored in received:
                evidence_record(actor=actor, inspection=inspection, stored=stored, answer=answer)
            item.status = Rectification.Status.ANSWERED
            item.save(update_fields=["status"])
            audit(actor=actor, action="supervision.rectification_answer", obj=item, scope_path=inspection.unit_path,
                  answer=answer.pk, files=len(files))
            people = [inspection.round.created_by, *inspection.inspectors.all()]
            notify_many([Message(to=user, kind=Kind.OTHER, title=f"整改已回复：{inspection.unit_name}",
                                 body=f"{inspection.unit_name}回复了整改事项“{item.description[:40]}”，请审核。",
                                 url=_inspection_url(inspection))
                         for user in {u.pk: u for u in people}.values() if user.pk != actor.pk])
    return answer


def rectification_decide(*, actor, item: Rectification, accept: bool, note: str = "",
                         deadline: dt.date | None = None) -> Rectification:
    """The office accepts the unit's answer, or reopens the item (with a reason and, if given,
    a new deadline). Tells the owner either way."""
    inspection = item.inspection
    if not selectors.access_for(actor, inspection).office:
        raise PermissionDenied(_(NOT_THE_OFFICE))
    _require_open(inspection.round)
    note = (note or "").strip()[:2000]
    if not accept and not note:
        raise ValidationError(_(REOPEN_NOTE_REQUIRED))
    if deadline is not None and deadline < shanghai_today():
        raise ValidationError(_(DEADLINE_PAST))
    with transaction.atomic():
        locked = Rectification.objects.select_for_update().get(pk=item.pk)
        answer = locked.answers.filter(decision="").order_by("-answered_at", "-pk").first()
        if locked.status != Rectification.Status.ANSWERED or answer is None:
            raise ValidationError(_(NOT_ANSWERED))
        now = timezone.now()
        answer.decision = RectificationAnswer.Decision.ACCEPTED if accept else RectificationAnswer.Decision.REOPENED
        answer.decision_note, answer.decided_by, answer.decided_at = note, actor, now
        answer.save()
        item.status = Rectification.Status.ACCEPTED if accept else Rectification.Status.REOPENED
        item.decided_at = now
        if deadline is not None and not accept:
            item.deadline = deadline
        item.save(update_fields=["status", "decided_at", "deadline"])
        audit(actor=actor, action="supervision.rectification_accept" if accept else "supervision.rectification_reopen",
              obj=item, scope_path=inspection.unit_path, answer=answer.pk, note=note)
        if accept:
            body = f"整改事项“{item.description[:40]}”已通过验收。"
        else:
            body = f"整改事项“{item.description[:40]}”被退回，请继续整改并于 {item.deadline} 前重新提交。理由：{note[:80]}"
        people = [item.owner, answer.answered_by]
        notify_many([Message(to=user, kind=Kind.OTHER, title=f"整改{'已验收' if accept else '被退回'}：{inspection.unit_name}",
                             body=body, url=_inspection_url(inspection))
                     for user in {u.pk: u for u in people}.values()])
    return item


def round_close(*, actor, round_: Round) -> Round:
    if not path_in_scope(actor, Cap.SUPERVISION_MANAGE, round_.region_path):
        raise PermissionDenied(_(NOT_THE_OFFICE))
    _require_open(round_)
    with transaction.atomic():
        round_.status = Round.Status.CLOSED
        round_.save(update_fields=["status"])
        audit(actor=actor, action="supervision.round_close", obj=round_)
    return round_


def rectifications_overdue_notify(*, on: dt.date | None = None) -> int:
    """Tell each owner the day their item's deadline has passed (open or reopened, in an open
    round), and each round's office one message listing its newly overdue items. Once per item
    and deadline; run by run-periodic, one indexed query when nothing is due. Returns the items
    told about."""
    on = on or shanghai_today()
    due = (Rectification.objects.filter(status__in=selectors.AWAITING_UNIT, deadline__lt=on,
                                        inspection__round__status=Round.Status.OPEN)
           .filter(Q(overdue_notice_for__isnull=True) | ~Q(overdue_notice_for=F("deadline"))))
    with transaction.atomic():
        items = list(due.select_for_update(of=("self",)).select_related("inspection__round__created_by", "owner")
                     .order_by("inspection__round_id", "deadline", "pk"))
        if not items:
            return 0
        messages = [Message(to=item.owner, kind=Kind.OTHER, title=f"整改逾期：{item.inspection.unit_name}",
                            body=f"“{item.inspection.round.title}”的整改事项“{item.description[:60]}”已过整改期限"
                                 f" {item.deadline}，请尽快完成整改并提交整改情况。",
                            url=_inspection_url(item.inspection)) for item in items]
        by_round: dict[int, list[Rectification]] = {}
        for item in items:
            by_round.setdefault(item.inspection.round_id, []).append(item)
        for round_items in by_round.values():
            round_ = round_items[0].inspection.round
            units = "、".join(dict.fromkeys(i.inspection.unit_name for i in round_items))
            messages.append(Message(to=round_.created_by, kind=Kind.OTHER, title=f"整改逾期：{round_.title}",
                                    body=f"{units}有 {len(round_items)} 项整改已过期限仍未提交整改情况。",
                                    url=reverse("supervision:home")))
        notify_many(messages)
        for item in items:
            item.overdue_notice_for = item.deadline
        Rectification.objects.bulk_update(items, ["overdue_notice_for"])
    return len(items)
