"""Contributing, reviewing and picking resources.

    contributor ──submit(level)──▶ entry in that level's library (审核中)
                                     │ reviewer of exactly that library: publish / return + comments
                                     ▼                                  (the contributor is told)
                                   published ──▶ a higher level may pick it into its own library

A library is a node of the org tree: a school, a county, a city, the province (its path). Its
reviewers are those who hold `resources.review` *at* that node (a school's administrator, the
county office …), not anyone above it: the province reviews the province library only.

Files are checked as evidence is (practice.services.evidence: type by content, never by name;
the size limits per kind; an Office file's zip checked for bombs before anything opens it) and
their text is extracted in the same limited child process, at upload. A teacher's evidence comes
along whole in two clicks (贡献 on the item, then 同意并提交): its file, text, grade and 推优 flag.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap, Role
from tisheng.accounts.services import audit
from tisheng.core import officefiles, storage_files
from tisheng.notifications.models import Kind
from tisheng.notifications.services import notify
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import capability_paths
from tisheng.practice.models import EvidenceKind, Grade, PointResult, Review, Submission
from tisheng.practice.services import evidence
from tisheng.resources.models import (
    LEVEL_DEPTH,
    LEVEL_RANK,
    ContributorKind,
    EntryState,
    EntryVia,
    FileRole,
    Level,
    LibraryEntry,
    Licence,
    Resource,
    ResourceFile,
    ResourceKind,
    ResourcePoint,
    ResourceSearch,
    ResourceState,
)
from tisheng.resources.search import tsvector_literal

NO_TITLE = gettext_noop("Give the resource a title.")
NO_FILE = gettext_noop("Add at least one file.")
BAD_KIND = gettext_noop("Choose what kind of resource this is.")
BAD_LICENCE = gettext_noop("Choose a licence.")
BAD_LEVEL = gettext_noop("This library is not one your unit can submit to.")
BAD_UNIT = gettext_noop("You cannot contribute on behalf of this unit.")
NO_CONSENT = gettext_noop("Agree to share the evidence before it is contributed.")
NOT_YOUR_EVIDENCE = gettext_noop("You can only contribute your own evidence.")
EVIDENCE_NOT_PASSED = gettext_noop("Only evidence your school's team graded pass or excellent can be contributed.")
EVIDENCE_MISSING = gettext_noop("The evidence file is no longer stored; upload the resource instead.")
ALREADY_IN_LIBRARY = gettext_noop("The resource is already in this library or waiting for its review.")
NOT_REVIEWER = gettext_noop("Only the reviewers of this library can decide on it.")
ALREADY_DECIDED = gettext_noop("This submission has already been decided.")
RETURN_NEEDS_COMMENT = gettext_noop("Say what should change before returning the resource.")
NOT_PUBLISHED = gettext_noop("Only a published resource can be picked into a higher library.")
NOTHING_TO_PICK = gettext_noop("Your library is not above this resource's libraries.")
NOT_CONTRIBUTOR = gettext_noop("Only the contributor can submit the resource.")
FILE_ERROR = gettext_noop("%(file)s: %(error)s")
FILE_TYPE_UNKNOWN = gettext_noop("This file is not a PDF, Word (.docx), PowerPoint (.pptx), video or image file.")
FILE_TOO_LARGE = gettext_noop("The file is larger than the %(limit)s MB allowed for its kind.")
FILE_EMPTY = gettext_noop("The file is empty.")

DECIDED_TITLE = gettext_noop("Your resource 《%(title)s》 was reviewed: %(outcome)s")
DECIDED_BODY = gettext_noop("%(library)s: %(outcome)s. %(comment)s")
PICKED_TITLE = gettext_noop("Your resource 《%(title)s》 was selected into %(library)s")
PICKED_BODY = gettext_noop("%(library)s picked your resource for its own library.")
OUTCOME_PUBLISHED = gettext_noop("published")
OUTCOME_RETURNED = gettext_noop("returned for changes")
MAX_FILES = 3
OFFICE_LIMITS = officefiles.Limits(max_total_bytes=128 * 1024 * 1024)
MAX_TEXT_CHARS = 200_000
CHUNK = 1024 * 1024
STORE = "resources"


@dataclass(frozen=True)
class Unit:
    """Whom a contribution comes from: a node the actor may contribute for."""

    kind: str
    path: str
    region_id: int
    name: str


def resources_root() -> Path:
    """Where the local file store (the default) keeps resources."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / STORE


def file_name(f: ResourceFile) -> str:
    """The file's name in the private file store (core/storage_files.py)."""
    if ".." in Path(f.file_name).parts or f.file_name.startswith("/"):
        raise PermissionDenied
    return f"{STORE}/{f.file_name}"


# --- libraries ---------------------------------------------------------------------------------

def library_path(org_path: str, level: str) -> str | None:
    """The path of the `level` library above (or at) `org_path`; None when there is none (a
    college has no school library; an office no library below its own)."""
    parts = org_path.split("/")
    depth = LEVEL_DEPTH[level]
    if len(parts) < depth or parts[depth - 1].startswith("~"):
        return None
    return "/".join(parts[:depth])


def library_levels(org_path: str) -> list[tuple[str, str]]:
    """(level, library path) of every library a unit at `org_path` can submit to, lowest first."""
    levels = [(lv, library_path(org_path, lv)) for lv in (Level.SCHOOL, Level.COUNTY, Level.CITY, Level.PROVINCE)]
    return [(lv, p) for lv, p in levels if p]


def level_of(path: str) -> str:
    depth = len(path.split("/"))
    return {1: Level.PROVINCE, 2: Level.CITY, 3: Level.COUNTY}.get(depth, Level.SCHOOL)


def library_names(paths: list[str]) -> dict[str, str]:
    """Each library's name (鼓楼区资源库), two queries for any number of paths."""
    paths = sorted(set(paths))
    names = dict(Region.objects.filter(path__in=paths).values_list("path", "name"))
    names.update(School.objects.filter(path__in=paths).values_list("path", "name"))
    return {p: _("%(node)s library") % {"node": names.get(p, p)} for p in paths}


def review_roots(actor) -> list[str]:
    """The libraries the actor reviews: the nodes where they hold resources.review."""
    return capability_paths(actor, Cap.RESOURCES_REVIEW)


# --- contributors ------------------------------------------------------------------------------

_UNIT_KIND = {
    Role.TEACHER: ContributorKind.TEACHER, Role.SCHOOL_ADMIN: ContributorKind.SCHOOL,
    Role.TEACHER_COLLEGE: ContributorKind.COLLEGE, Role.INSTITUTION: ContributorKind.INSTITUTION,
    Role.COUNTY_OFFICE: ContributorKind.OFFICE, Role.CITY_OFFICE: ContributorKind.OFFICE,
    Role.PROVINCE_OFFICE: ContributorKind.OFFICE,
}


def contributor_units(actor) -> list[Unit]:
    """The units the actor may contribute for, one per role held (one query)."""
    units: list[Unit] = []
    assignments = (RoleAssignment.objects.filter(user=actor, role__in=list(_UNIT_KIND))
                   .select_related("region", "school", "organization").order_by("id"))
    for a in assignments:
        if Cap.RESOURCES_CONTRIBUTE not in ROLE_CAPABILITIES.get(a.role, ()):
            continue
        if a.school_id:
            unit = Unit(_UNIT_KIND[a.role], a.school.path, a.school.county_id, a.school.name)
        elif a.organization_id:
            unit = Unit(_UNIT_KIND[a.role], a.organization.path, a.organization.region_id, a.organization.name)
        elif a.region_id:
            unit = Unit(_UNIT_KIND[a.role], a.region.path, a.region_id, a.region.name)
        else:
            continue
        if unit not in units:
            units.append(unit)
    return units


def _unit_for(actor, path: str, kind: str = "") -> Unit:
    for unit in contributor_units(actor):
        if unit.path == path and kind in ("", unit.kind):
            return unit
    raise PermissionDenied(_(BAD_UNIT))


# --- files -------------------------------------------------------------------------------------

@dataclass
class Stored:
    tmp: Path | None  # the received upload on this node's disk; None once stored
    role: str
    original_name: str
    kind: str
    content_type: str
    ext: str
    size: int
    sha256: str
    text: str = ""
    text_error: str = ""
    name: str = ""  # relative to STORE, once stored
    source: str = ""  # or a file already in the store to copy (a teacher's evidence)


def _receive(upload: UploadedFile, actor) -> tuple[Path, str, int]:
    limit = max(evidence.max_bytes(k) for k in EvidenceKind.values)
    fd, name = storage_files.temporary_file(prefix=".upload-", actor=actor)
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    return Path(name), digest.hexdigest(), size


def _check(tmp: Path, size: int, name: str) -> tuple[str, str, str]:
    """(kind, content type, extension) of a received file, or a ValidationError naming it."""
    def refuse(message: str) -> ValidationError:
        return ValidationError(_(FILE_ERROR) % {"file": name, "error": message})

    if size == 0:
        raise refuse(_(FILE_EMPTY))
    sniffed = evidence.sniff(tmp)
    if sniffed is None:
        raise refuse(_(FILE_TYPE_UNKNOWN))
    kind, content_type, ext = sniffed
    if size > evidence.max_bytes(kind):
        raise refuse(_(FILE_TOO_LARGE) % {"limit": evidence.max_bytes(kind) // (1024 * 1024)})
    if content_type in (evidence.DOCX, evidence.PPTX):
        # A zip bomb is refused here, not merely left without text (declared sizes and ratios first).
        try:
            officefiles.check_office_zip(tmp, limits=OFFICE_LIMITS)
        except officefiles.OfficeFileRefused as exc:
            raise refuse(exc.message()) from None
    return kind, content_type, ext


def _receive_all(uploads: list[tuple[str, UploadedFile]], actor) -> list[Stored]:
    stored: list[Stored] = []
    try:
        for role, upload in uploads[:MAX_FILES]:
            tmp, sha, size = _receive(upload, actor)
            stored.append(Stored(tmp, role, evidence.display_name(upload.name) or f"{role}", "", "", "", size, sha))
            kind, content_type, ext = _check(tmp, size, stored[-1].original_name)
            stored[-1].kind, stored[-1].content_type, stored[-1].ext = kind, content_type, ext
            if kind in (EvidenceKind.DOCUMENT, EvidenceKind.SLIDES):
                text, error = evidence.extract_text(tmp, content_type)
                stored[-1].text, stored[-1].text_error = text[:MAX_TEXT_CHARS], error
    except BaseException:
        _forget(stored)
        raise
    return stored


def _forget(stored: list[Stored]) -> None:
    for s in stored:
        if s.tmp is not None:
            s.tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _saved(stored: list[Stored], actor, scope_path: str) -> Iterator[None]:
    """Store the received files (before the rows that point at them: a store that is down is a
    clear message and no row), and remove them again when the block that writes the rows fails."""
    folder = uuid.uuid4().hex  # the resource has no pk yet
    with contextlib.ExitStack() as saved:
        for s in stored:
            name = f"{STORE}/{folder}/{s.role}-{s.sha256[:16]}.{s.ext}"
            if s.tmp is not None:
                name = storage_files.save_path(name, s.tmp, actor=actor, scope_path=scope_path)
            else:
                with storage_files.open(s.source) as source:  # store to store, in chunks
                    name = storage_files.save(name, source, actor=actor, scope_path=scope_path)
            s.name = name.removeprefix(f"{STORE}/")
            saved.enter_context(storage_files.discarded_on_error(name))
        yield


def _keep(resource: Resource, stored: list[Stored], actor) -> None:
    for s in stored:
        ResourceFile.objects.create(resource=resource, role=s.role, file_name=s.name,
                                    original_name=s.original_name, kind=s.kind, content_type=s.content_type,
                                    size=s.size, sha256=s.sha256, text=s.text, text_error=s.text_error)


def _texts(resource: Resource, texts: list[str]) -> None:
    resource.text = "\n".join(t for t in texts if t)[:MAX_TEXT_CHARS]


def resource_index(resource: Resource) -> None:
    """(Re)write the resource's search index from its title, description, authors and text."""
    tokens = tsvector_literal(resource.title, resource.description, resource.authors, resource.text)
    ResourceSearch.objects.update_or_create(resource=resource, defaults={"tokens": tokens})


def _clean_fields(kind: str, title: str, licence: str) -> None:
    if kind not in ResourceKind.values:
        raise ValidationError(_(BAD_KIND))
    if not (title or "").strip():
        raise ValidationError(_(NO_TITLE))
    if licence not in Licence.values:
        raise ValidationError(_(BAD_LICENCE))


def _points(resource: Resource, codes: list[str]) -> None:
    codes = sorted({c.strip().upper()[:8] for c in codes if c and c.strip()})
    ResourcePoint.objects.bulk_create([ResourcePoint(resource=resource, code=c) for c in codes])


def resource_create(*, actor, unit_path: str, unit_kind: str = "", kind: str, title: str, uploads: list[tuple[str, UploadedFile]],
                    level: str = "", description: str = "", stage: str = "", subject: str = "", topic: str = "",
                    authors: str = "", licence: str = Licence.PROVINCE, points: list[str] = ()) -> Resource:
    """A new resource of `unit_path`'s with its files; submitted to the `level` library when given."""
    unit = _unit_for(actor, unit_path, unit_kind)
    _clean_fields(kind, title, licence)
    if level and library_path(unit.path, level) is None:
        raise ValidationError(_(BAD_LEVEL))
    uploads = [(role, u) for role, u in uploads if u is not None]
    if not uploads:
        raise ValidationError(_(NO_FILE))
    stored = _receive_all(uploads, actor)
    try:
        with _saved(stored, actor, unit.path), transaction.atomic():
            resource = Resource(kind=kind, title=title.strip()[:128], description=(description or "").strip(),
                                stage=stage or "", subject=(subject or "").strip()[:32], topic=(topic or "").strip()[:64],
                                authors=(authors or "").strip()[:255] or actor.name, licence=licence,
                                contributor=actor, contributor_kind=unit.kind, org_path=unit.path,
                                region_id=unit.region_id)
            _texts(resource, [s.text for s in stored])
            resource.full_clean()
            resource.save()
            resource_index(resource)
            _keep(resource, stored, actor)
            _points(resource, list(points))
            audit(actor=actor, action="resources.create", obj=resource, kind=kind, files=len(stored))
            if level:
                resource_submit(actor=actor, resource=resource, level=level)
        return resource
    finally:
        _forget(stored)


def evidence_grade(submission: Submission) -> str | None:
    return (Review.objects.filter(submission=submission, stage=Review.Stage.TEAM).order_by("-created_at", "-id")
            .values_list("grade", flat=True).first())


def resource_contribute_evidence(*, actor, submission: Submission, consent: bool, level: str = Level.SCHOOL,
                                 kind: str = ResourceKind.CASE, title: str = "", description: str = "",
                                 licence: str = Licence.PROVINCE) -> Resource:
    """The teacher's own graded evidence as a resource, with consent: its file, text, grade and
    推优 flag come along; submitted to the `level` library (the school's by default)."""
    teacher = submission.teacher
    if teacher.user_id != actor.pk:
        raise PermissionDenied(_(NOT_YOUR_EVIDENCE))
    if not consent:
        raise ValidationError(_(NO_CONSENT))
    grade = evidence_grade(submission)
    if grade not in (Grade.EXCELLENT, Grade.PASS):
        raise ValidationError(_(EVIDENCE_NOT_PASSED))
    source = evidence.submission_name(submission)
    if not storage_files.exists(source):
        raise ValidationError(_(EVIDENCE_MISSING))
    point = submission.task.point_version
    title = (title or "").strip() or f"{point.point.code} {point.name}：{submission.task.title}"
    _clean_fields(kind, title, licence)
    org_path = teacher.org_path
    if library_path(org_path, level) is None:
        raise ValidationError(_(BAD_LEVEL))
    recommended = PointResult.objects.filter(program_id=submission.program_id, teacher=teacher,
                                             point_id=point.point_id, recommended=True).exists()
    ext = submission.file_name.rsplit(".", 1)[-1]
    stored = Stored(None, FileRole.MAIN, submission.original_name, submission.kind, submission.content_type, ext,
                    submission.size, submission.sha256, text=submission.text[:MAX_TEXT_CHARS], source=source)
    with _saved([stored], actor, org_path), transaction.atomic():
        resource = Resource(kind=kind, title=title[:128], description=(description or "").strip() or submission.note,
                            stage=teacher.stage, subject=teacher.subject, authors=teacher.name, licence=licence,
                            contributor=actor, contributor_kind=ContributorKind.TEACHER, org_path=org_path,
                            region_id=teacher.school.county_id, source_submission=submission,
                            source_grade=grade, source_recommended=recommended, consent_at=timezone.now())
        _texts(resource, [stored.text])
        resource.full_clean()
        resource.save()
        resource_index(resource)
        _keep(resource, [stored], actor)
        _points(resource, [point.point.code])
        audit(actor=actor, action="resources.contribute", obj=resource, submission=submission.pk, grade=grade,
              recommended=recommended, licence=licence)
        resource_submit(actor=actor, resource=resource, level=level)
    return resource


# --- review ------------------------------------------------------------------------------------

def _refresh_state(resource: Resource) -> None:
    states = list(resource.entries.values_list("state", "level"))
    published = [lv for st, lv in states if st == EntryState.PUBLISHED]
    if published:
        resource.state = ResourceState.PUBLISHED
        resource.published_level = max(published, key=lambda lv: LEVEL_RANK[lv])
        resource.published_at = resource.published_at or timezone.now()
    else:
        resource.published_level = ""
        if any(st == EntryState.IN_REVIEW for st, _lv in states):
            resource.state = ResourceState.IN_REVIEW
        elif states:
            resource.state = ResourceState.RETURNED
        else:
            resource.state = ResourceState.DRAFT
    resource.updated_at = timezone.now()
    resource.save(update_fields=["state", "published_level", "published_at", "updated_at"])


def resource_submit(*, actor, resource: Resource, level: str) -> LibraryEntry:
    """Submit (or, after a return, submit again) the resource to its `level` library."""
    if resource.contributor_id != actor.pk:
        raise PermissionDenied(_(NOT_CONTRIBUTOR))
    path = library_path(resource.org_path, level) if level in Level.values else None
    if path is None:
        raise ValidationError(_(BAD_LEVEL))
    with transaction.atomic():
        entry = LibraryEntry.objects.select_for_update().filter(resource=resource, library_path=path).first()
        if entry is not None and entry.state != EntryState.RETURNED:
            raise ValidationError(_(ALREADY_IN_LIBRARY))
        if entry is None:
            entry = LibraryEntry(resource=resource, library_path=path, level=level, submitted_by=actor)
        entry.state, entry.via, entry.submitted_at = EntryState.IN_REVIEW, EntryVia.SUBMITTED, timezone.now()
        entry.decided_by, entry.decided_at = None, None
        entry.save()
        _refresh_state(resource)
        audit(actor=actor, action="resources.submit", obj=resource, library=path, level=level)
    return entry


def entry_decide(*, actor, entry: LibraryEntry, publish: bool, comment: str = "") -> LibraryEntry:
    """The library's reviewer publishes the resource or returns it with comments; the
    contributor is told either way."""
    comment = (comment or "").strip()
    if entry.library_path not in review_roots(actor):
        raise PermissionDenied(_(NOT_REVIEWER))
    if not publish and not comment:
        raise ValidationError(_(RETURN_NEEDS_COMMENT))
    with transaction.atomic():
        entry = LibraryEntry.objects.select_for_update().select_related("resource").get(pk=entry.pk)
        if entry.state != EntryState.IN_REVIEW:
            raise ValidationError(_(ALREADY_DECIDED))
        entry.state = EntryState.PUBLISHED if publish else EntryState.RETURNED
        entry.decided_by, entry.decided_at, entry.comment = actor, timezone.now(), comment[:2000]
        entry.save()
        resource = entry.resource
        _refresh_state(resource)
        outcome = _(OUTCOME_PUBLISHED if publish else OUTCOME_RETURNED)
        library = library_names([entry.library_path])[entry.library_path]
        audit(actor=actor, action="resources.publish" if publish else "resources.return", obj=resource,
              library=entry.library_path, comment=comment)
        notify(resource.contributor, kind=Kind.OTHER,
               title=(_(DECIDED_TITLE) % {"title": resource.title[:40], "outcome": outcome})[:128],
               body=_(DECIDED_BODY) % {"library": library, "outcome": outcome, "comment": comment},
               url=reverse("resources:detail", args=[resource.pk]))
    return entry


def pick_target(actor, resource: Resource) -> str | None:
    """The library the actor would pick `resource` into: their own review library covering the
    resource, above every library it is already in; None when there is none."""
    existing = set(resource.entries.values_list("library_path", flat=True))
    top = max((LEVEL_RANK[lv] for lv in resource.entries.values_list("level", flat=True)), default=0)
    for root in review_roots(actor):
        covers = resource.org_path == root or resource.org_path.startswith(root + "/")
        if covers and root not in existing and LEVEL_RANK[level_of(root)] > top:
            return root
    return None


def resource_pick(*, actor, resource: Resource) -> LibraryEntry:
    """A higher level takes a published resource of a lower library into its own (published)."""
    if resource.state != ResourceState.PUBLISHED:
        raise ValidationError(_(NOT_PUBLISHED))
    target = pick_target(actor, resource)
    if target is None:
        raise ValidationError(_(NOTHING_TO_PICK))
    with transaction.atomic():
        now = timezone.now()
        entry = LibraryEntry.objects.create(resource=resource, library_path=target, level=level_of(target),
                                            state=EntryState.PUBLISHED, via=EntryVia.PICKED, submitted_by=actor,
                                            submitted_at=now, decided_by=actor, decided_at=now)
        _refresh_state(resource)
        library = library_names([target])[target]
        audit(actor=actor, action="resources.pick", obj=resource, library=target)
        notify(resource.contributor, kind=Kind.OTHER,
               title=(_(PICKED_TITLE) % {"title": resource.title[:40], "library": library})[:128],
               body=_(PICKED_BODY) % {"library": library}, url=reverse("resources:detail", args=[resource.pk]))
    return entry


def resource_award_entry(*, actor, resource: Resource, library_path: str) -> LibraryEntry:
    """An achievement round's winner enters the round's level library (its 优质资源库), published:
    the expert panel was its review. An entry already there (under review, returned) is
    published; one already published is left as it is. The caller tells the people concerned."""
    level = level_of(library_path)
    with transaction.atomic():
        now = timezone.now()
        entry, created = LibraryEntry.objects.select_for_update().get_or_create(
            resource=resource, library_path=library_path,
            defaults={"level": level, "state": EntryState.PUBLISHED, "via": EntryVia.AWARDED, "submitted_by": actor,
                      "submitted_at": now, "decided_by": actor, "decided_at": now})
        if not created and entry.state != EntryState.PUBLISHED:
            entry.state, entry.via, entry.decided_by, entry.decided_at = (EntryState.PUBLISHED, EntryVia.AWARDED,
                                                                         actor, now)
            entry.save(update_fields=["state", "via", "decided_by", "decided_at"])
        _refresh_state(resource)
        audit(actor=actor, action="resources.award_entry", obj=resource, library=library_path)
    return entry
