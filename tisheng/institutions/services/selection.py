"""Selection rounds (遴选, the Fujian notice 三.(二)): the province opens a round, institutions
apply with their materials and course list and may revise until the window closes, an expert
panel (tisheng.panels) scores the applications blind, the province decides each with a
recorded reason, and publishing the result tells every applicant and makes the selected the
province's contracted institutions for the round's program (learning.Contract at the
province), among which cities then choose for their regions.

Phases (computed, never stored): upcoming → applying (opens_on … closes_on) → reviewing
(`round_review_start` put the submitted applications on the panel) → deciding (the panel
closed) → published."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.institutions.documents import (
    DOCUMENT_EMPTY,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE,
    MAX_DOCUMENT_BYTES,
    document_store,
)
from tisheng.institutions.models import Application, ApplicationMaterial, ApplicationStatus, SelectionRound
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import path_in_scope
from tisheng.panels import services as panels
from tisheng.panels.models import PanelStatus
from tisheng.panels.services import ItemSpec
from tisheng.programs.models import Program

ROUND_KEY = "institutions.selection:%s"
MAX_MATERIAL_BYTES = MAX_DOCUMENT_BYTES
MAX_COURSES = 200

WINDOW_BACKWARDS = _("The window must close on or after the day it opens.")
REVIEW_BEFORE_CLOSE = _("The panel's scoring must end after the application window closes.")
COUNTS_INVALID = _("The number to select must be between 1 and 50, the smallest no larger than the largest.")
MATERIALS_INVALID = _("List the required materials, one a line (at most 20).")
NOT_PROVINCE = _("Selection rounds are opened by the province office.")
TITLE_REQUIRED = _("Give the selection round a title.")
WINDOW_NOT_OPEN = _("Applications for this round are accepted from %(opens)s to %(closes)s.")
NOT_AN_INSTITUTION = _("Only a training institution's account can apply.")
COURSE_LINE_INVALID = _("Course line %(n)s: write “title, hours, stages” with hours a number from 0.5 to 200.")
NO_COURSES = _("List at least one course.")
TOO_MANY_COURSES = _("At most 200 courses per application.")
MATERIAL_UNKNOWN = _("This round does not ask for that material.")
MATERIAL_MISSING = _("Upload every required material first: %(missing)s.")
MATERIAL_TYPE = DOCUMENT_TYPE
MATERIAL_TOO_LARGE = DOCUMENT_TOO_LARGE
MATERIAL_EMPTY = DOCUMENT_EMPTY
REVIEW_TOO_EARLY = _("The application window is still open until %(closes)s.")
REVIEW_ALREADY = _("The applications are already with the panel.")
NOTHING_SUBMITTED = _("No application was submitted in this round.")
PANEL_NOT_CLOSED = _("Decide once the expert panel has closed and its results are fixed.")
REASON_REQUIRED = _("Record the reason for the decision (at least 4 characters).")
ALREADY_PUBLISHED = _("The result is published and can no longer change.")
UNDECIDED = _("Decide every submitted application first: %(count)s undecided.")
COUNT_OUTSIDE = _("The round selects %(min)s to %(max)s institutions; %(count)s are selected.")


def _round_for_office(actor: User, selection: SelectionRound) -> None:
    if not path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, selection.scope_path):
        raise Http404


def materials_from_lines(text: str) -> list[dict]:
    labels = [ln.strip()[:64] for ln in text.splitlines() if ln.strip()]
    if not labels or len(labels) > 20:
        raise ValidationError(MATERIALS_INVALID, code="materials_invalid")
    return [{"key": f"m{n}", "label": label} for n, label in enumerate(labels, start=1)]


@transaction.atomic
def round_create(*, actor: User, program: Program, region: Region, title: str, rubric: dict, opens_on: dt.date,
                 closes_on: dt.date, review_ends_on: dt.date, materials: list[dict], select_min: int = 5,
                 select_max: int = 7) -> SelectionRound:
    """Open a round and its expert panel (the panel's scoring ends on `review_ends_on`)."""
    if region.level != RegionLevel.PROVINCE or not path_in_scope(actor, Cap.INSTITUTIONS_MANAGE, region.path):
        raise ValidationError(NOT_PROVINCE, code="not_province")
    if not title.strip():
        raise ValidationError(TITLE_REQUIRED, code="title_required")
    if closes_on < opens_on:
        raise ValidationError(WINDOW_BACKWARDS, code="window_backwards")
    if review_ends_on <= closes_on:
        raise ValidationError(REVIEW_BEFORE_CLOSE, code="review_before_close")
    if not (1 <= select_min <= select_max <= 50):
        raise ValidationError(COUNTS_INVALID, code="counts_invalid")
    selection = SelectionRound(program=program, region=region, scope_path=region.path, title=title.strip()[:128],
                               opens_on=opens_on, closes_on=closes_on, materials=materials,
                               select_min=select_min, select_max=select_max, created_by=actor)
    selection.save()
    with translation.override(settings.LANGUAGE_CODE):  # stored: in the province's language, whoever asks
        panel_title = gettext("%(title)s: expert review") % {"title": selection.title}
    selection.panel = panels.panel_create(
        actor=actor, round_key=ROUND_KEY % selection.pk, title=panel_title, scope_path=region.path, rubric=rubric,
        ends_on=review_ends_on)
    selection.rubric = selection.panel.rubric
    selection.save(update_fields=["panel", "rubric"])
    audit(actor=actor, action="institutions.round_created", obj=selection, title=selection.title,
          program=program.pk)
    return selection


def round_phase(selection: SelectionRound, on: dt.date | None = None) -> str:
    on = on or today()
    if selection.published_at:
        return "published"
    if selection.panel_id and selection.panel.status == PanelStatus.CLOSED:
        return "deciding"
    if selection.review_started_at:
        return "reviewing"
    if on < selection.opens_on:
        return "upcoming"
    if on <= selection.closes_on:
        return "applying"
    return "closed"


def institution_of(actor: User) -> Organization | None:
    """The training institution the actor works for (their current institution role)."""
    from django.db.models import Q

    grant = RoleAssignment.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), user=actor,
                                          role=Role.INSTITUTION, organization__kind="institution")
    grant = grant.select_related("organization").order_by("id").first()
    return grant.organization if grant else None


def _check_window(selection: SelectionRound) -> None:
    if round_phase(selection) != "applying":
        raise ValidationError(WINDOW_NOT_OPEN, code="window_not_open", params={
            "opens": selection.opens_on.isoformat(), "closes": selection.closes_on.isoformat()})


def _check_applicant(actor: User, application: Application) -> None:
    institution = institution_of(actor)
    if institution is None or institution.pk != application.institution_id:
        raise Http404


def courses_from_lines(text: str) -> list[dict]:
    courses = []
    for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in re.split(r"[,，\t]", line, maxsplit=2)]
        while len(parts) < 3:
            parts.append("")
        title, hours, stages = parts
        try:
            value = float(hours)
        except ValueError:
            value = -1
        if not title or not 0.5 <= value <= 200:
            raise ValidationError(COURSE_LINE_INVALID, code="course_line_invalid", params={"n": n})
        courses.append({"title": title[:128], "hours": f"{value:g}", "stages": stages[:64]})
    if len(courses) > MAX_COURSES:
        raise ValidationError(TOO_MANY_COURSES, code="too_many_courses")
    return courses


def courses_as_lines(courses: list[dict]) -> str:
    return "\n".join(f"{c['title']}, {c['hours']}, {c.get('stages', '')}".rstrip(", ") for c in courses)


@transaction.atomic
def application_save(*, actor: User, selection: SelectionRound, statement: str, courses_text: str) -> Application:
    """Create or revise the actor's institution's application while the window is open."""
    institution = institution_of(actor)
    if institution is None:
        raise ValidationError(NOT_AN_INSTITUTION, code="not_an_institution")
    _check_window(selection)
    courses = courses_from_lines(courses_text)
    application, created = Application.objects.select_for_update().get_or_create(
        round=selection, institution=institution, defaults={"scope_path": institution.path})
    application.statement = statement.strip()[:5000]
    application.courses = courses
    application.updated_at = timezone.now()
    application.save()
    audit(actor=actor, action="institutions.application_saved", obj=application, scope_path=selection.scope_path,
          institution=institution.pk, courses=len(courses), created=created)
    return application


def material_upload(*, actor: User, application: Application, key: str, upload: UploadedFile) -> ApplicationMaterial:
    """Store (or replace) one required material: a PDF or .docx, told by its content. The file is
    stored before the transaction that records it and goes again if that does not commit (one
    mechanism for every private file: core/storage_files.py `discarded_on_error`); the one it
    replaces goes once the new one is recorded."""
    _check_applicant(actor, application)
    _check_window(application.round)
    if key not in {m["key"] for m in application.round.materials}:
        raise ValidationError(MATERIAL_UNKNOWN, code="material_unknown")
    stored = document_store(actor=actor, upload=upload, directory=f"institutions/{application.round_id}/{application.pk}",
                            stem=key)
    with storage_files.discarded_on_error(stored.relative), transaction.atomic():
        previous = ApplicationMaterial.objects.select_for_update().filter(application=application, key=key).first()
        material, _created = ApplicationMaterial.objects.update_or_create(
            application=application, key=key, defaults={
                "file_name": stored.name, "stored_path": stored.relative, "content_type": stored.content_type,
                "size": stored.size, "sha256": stored.sha256, "uploaded_by": actor, "uploaded_at": timezone.now()})
        application.updated_at = timezone.now()
        application.save(update_fields=["updated_at"])
        audit(actor=actor, action="institutions.material_uploaded", obj=application,
              scope_path=application.round.scope_path, name=stored.name)
        if previous is not None and previous.stored_path != stored.relative:
            storage_files.discard_on_commit(previous.stored_path)
    return material


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    _check_applicant(actor, application)
    _check_window(application.round)
    if not application.courses:
        raise ValidationError(NO_COURSES, code="no_courses")
    have = set(application.files.values_list("key", flat=True))
    missing = [m["label"] for m in application.round.materials if m["key"] not in have]
    if missing:
        raise ValidationError(MATERIAL_MISSING, code="material_missing", params={"missing": "、".join(missing)})
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.submitted_at or timezone.now()
    application.save(update_fields=["status", "submitted_at"])
    audit(actor=actor, action="institutions.application_sent", obj=application,
          scope_path=application.round.scope_path)
    return application


@transaction.atomic
def round_review_start(*, actor: User, selection: SelectionRound) -> int:
    """After the window: the submitted applications become the panel's items."""
    _round_for_office(actor, selection)
    if selection.review_started_at:
        raise ValidationError(REVIEW_ALREADY, code="review_already")
    if today() <= selection.closes_on:
        raise ValidationError(REVIEW_TOO_EARLY, code="review_too_early",
                              params={"closes": selection.closes_on.isoformat()})
    submitted = list(selection.applications.filter(status=ApplicationStatus.SUBMITTED).select_related("institution"))
    if not submitted:
        raise ValidationError(NOTHING_SUBMITTED, code="nothing_submitted")
    panels.panel_items_set(panel=selection.panel, items=[
        ItemSpec(f"application:{a.pk}", a.institution.name, a.institution,
                 url=reverse("institutions:application", args=[a.pk])) for a in submitted])
    selection.review_started_at = timezone.now()
    selection.save(update_fields=["review_started_at"])
    audit(actor=actor, action="institutions.review_started", obj=selection, count=len(submitted))
    return len(submitted)


@transaction.atomic
def application_decide(*, actor: User, application: Application, selected: bool, reason: str) -> Application:
    selection = application.round
    _round_for_office(actor, selection)
    if selection.published_at:
        raise ValidationError(ALREADY_PUBLISHED, code="already_published")
    if round_phase(selection) != "deciding":
        raise ValidationError(PANEL_NOT_CLOSED, code="panel_not_closed")
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.SELECTED,
                                  ApplicationStatus.NOT_SELECTED):
        raise Http404
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    application.status = ApplicationStatus.SELECTED if selected else ApplicationStatus.NOT_SELECTED
    application.decision_reason = reason[:2000]
    application.decided_by, application.decided_at = actor, timezone.now()
    application.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit(actor=actor, action="institutions.application_decided", obj=application, scope_path=selection.scope_path,
          institution=application.institution_id, selected=selected, reason=reason[:255])
    return application


def _institution_users(institution_ids: list[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = {i: [] for i in institution_ids}
    for grant in RoleAssignment.objects.filter(role=Role.INSTITUTION, organization_id__in=institution_ids,
                                               user__is_active=True).select_related("user"):
        users[grant.organization_id].append(grant.user)
    return users


@transaction.atomic
def round_publish(*, actor: User, selection: SelectionRound) -> list[Application]:
    """Publish the result: every submitted application decided and the number selected within
    the round's range. The selected become the province's contracted institutions for the
    program; every applicant is told its decision and the reason."""
    from tisheng.learning.models import Contract
    from tisheng.learning.services import contract_create

    selection = SelectionRound.objects.select_for_update().get(pk=selection.pk)
    _round_for_office(actor, selection)
    if selection.published_at:
        raise ValidationError(ALREADY_PUBLISHED, code="already_published")
    if round_phase(selection) != "deciding":
        raise ValidationError(PANEL_NOT_CLOSED, code="panel_not_closed")
    applications = list(selection.applications.exclude(status=ApplicationStatus.DRAFT).select_related("institution"))
    undecided = sum(1 for a in applications if a.status == ApplicationStatus.SUBMITTED)
    if undecided:
        raise ValidationError(UNDECIDED, code="undecided", params={"count": undecided})
    chosen = [a for a in applications if a.status == ApplicationStatus.SELECTED]
    if not selection.select_min <= len(chosen) <= selection.select_max:
        raise ValidationError(COUNT_OUTSIDE, code="count_outside", params={
            "min": selection.select_min, "max": selection.select_max, "count": len(chosen)})
    selection.published_at, selection.published_by = timezone.now(), actor
    selection.save(update_fields=["published_at", "published_by"])
    contracted = set(Contract.objects.filter(program=selection.program, region=selection.region)
                     .values_list("institution_id", flat=True))
    for a in chosen:
        if a.institution_id not in contracted:
            contract_create(actor=actor, program=selection.program, institution=a.institution, region=selection.region)
    audit(actor=actor, action="institutions.round_published", obj=selection, count=len(chosen))
    url = reverse("institutions:round_detail", args=[selection.pk])
    users = _institution_users([a.institution_id for a in applications])
    notices = []
    for a in applications:
        title = (gettext("Your institution was selected") if a.status == ApplicationStatus.SELECTED
                 else gettext("Your institution was not selected"))
        body = gettext("%(round)s: %(decision)s. Reason: %(reason)s") % {
            "round": selection.title, "decision": a.get_status_display(), "reason": a.decision_reason}
        notices += [Message(to=u, kind=Kind.OTHER, title=title, body=body, url=url) for u in users[a.institution_id]]
    notify_many(notices)
    return chosen


def narrow_to_selection(program: Program, institutions):
    """Once a selection round of the program is published, only its selected institutions can
    be contracted for the program (registered in learning's CONTRACT_INSTITUTION_FILTERS)."""
    latest = (SelectionRound.objects.filter(program=program, published_at__isnull=False)
              .order_by("-published_at", "-pk").first())
    if latest is None:
        return institutions
    return institutions.filter(pk__in=Application.objects.filter(
        round=latest, status=ApplicationStatus.SELECTED).values("institution_id"))
