"""The roster import (花名册导入): validate rows, then write them in bulk.

`roster_validate` turns raw cells (keyed by CANONICAL_HEADERS) into TeacherRecords and
RowErrors, checking scope and duplicates (in the file and against the database) without
writing. `roster_apply` is the one bulk write path: the import and `tisheng seed` at
province scale both go through it. Reading files lives in `roster_files`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.core import crypto, idcard
from tisheng.core.tabular import cell_text  # noqa: F401 - imported from here by the roster modules
from tisheng.orgs.models import School
from tisheng.orgs.scope import capability_paths
from tisheng.people import roster_columns
from tisheng.people.choices import (
    STAGE_ALIASES,
    STATUS_ALIASES,
    SUBJECT_ALIASES,
    SUBJECTS,
    TITLE_ALIASES,
    TeacherStatus,
    TeachingStage,
    Title,
)
from tisheng.people.models import Teacher, TeacherPosting
from tisheng.people.services.bulk import RAW_VENDORS, allocate_ids, bulk_update, insert_rows
from tisheng.programs.services.enrollment import enrollment_sync_for_schools

if TYPE_CHECKING:
    from tisheng.accounts.models import User as UserType

NAME, NATIONAL_ID, PHONE, SCHOOL_CODE, STAGE, SUBJECT, TITLE, STARTED_WORK, STATUS = (
    "姓名", "身份证号", "手机号码", "学校代码", "任教学段", "任教学科", "职称", "参加工作时间", "状态",
)
CANONICAL_HEADERS = (NAME, NATIONAL_ID, PHONE, SCHOOL_CODE, STAGE, SUBJECT, TITLE, STARTED_WORK, STATUS)

CHUNK = 5000

# Reasons shown to users, one per problem (English msgids, Chinese in locale/src/roster.json).
NAME_REQUIRED = gettext_noop("Name is required")
NAME_TOO_LONG = gettext_noop("Name is too long")
ID_REQUIRED = gettext_noop("National ID is required")
ID_BAD_FORMAT = gettext_noop("National ID must be 18 characters: 17 digits and a digit or X")
ID_BAD_BIRTH_DATE = gettext_noop("National ID contains an invalid birth date")
ID_BAD_CHECK_DIGIT = gettext_noop("National ID check digit is wrong")
ID_DUPLICATE = gettext_noop("Same national ID as row %(row)s")
PHONE_BAD_FORMAT = gettext_noop("Phone number format is invalid")
PHONE_DUPLICATE = gettext_noop("Same phone number as row %(row)s")
PHONE_TAKEN = gettext_noop("Phone number is already used by another person")
SCHOOL_REQUIRED = gettext_noop("School code is required")
SCHOOL_NOT_FOUND = gettext_noop("School code does not exist")
SCHOOL_OUT_OF_SCOPE = gettext_noop("The school is not within your jurisdiction")
STAGE_REQUIRED = gettext_noop("Teaching stage is required")
STAGE_UNKNOWN = gettext_noop("Unknown teaching stage")
SUBJECT_REQUIRED = gettext_noop("Subject is required")
SUBJECT_UNKNOWN = gettext_noop("Unknown subject")
TITLE_UNKNOWN = gettext_noop("Unknown professional title")
DATE_BAD_FORMAT = gettext_noop("Date format is invalid")
DATE_IN_FUTURE = gettext_noop("Date is in the future")
STATUS_UNKNOWN = gettext_noop("Unknown status")

_ID_PROBLEMS = {
    idcard.INVALID_LENGTH: ID_BAD_FORMAT,
    idcard.INVALID_CHARACTERS: ID_BAD_FORMAT,
    idcard.INVALID_BIRTH_DATE: ID_BAD_BIRTH_DATE,
    idcard.INVALID_CHECK_DIGIT: ID_BAD_CHECK_DIGIT,
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str  # in the active language (Chinese by default)


@dataclass
class TeacherRecord:
    """One validated, normalized row."""

    row: int
    name: str
    national_id: str
    phone: str
    school_id: int
    school_path: str
    stage: str
    subject: str
    title: str
    started_work: dt.date | None
    status: str
    extra: dict[str, Any] = field(default_factory=dict)  # optional columns apps above keep (roster_columns)


@dataclass
class RosterCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0
    columns_stored: dict[str, int] = field(default_factory=dict)  # by optional column (roster_columns)


# --- normalization ---------------------------------------------------------------------------

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})?$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def normalize_phone(value: object) -> str:
    text = "".join(idcard.normalize_text(cell_text(value)).replace("-", "").split())
    if text.startswith("+86"):
        text = text[3:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text


def parse_date(value: object) -> dt.date | None:
    """A date as roster files write it: an Excel date cell, a serial number, "2008-09",
    "2008.9", "2008年9月", "2008/9/1", "20080901". Day defaults to 1. Raises ValueError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = cell_text(value)
    text = _TIME_SUFFIX.sub("", idcard.normalize_text(value))
    text = "".join(text.split())
    if not text:
        return None
    if text.isdigit() and 3 <= len(text) <= 5:
        return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    raise ValueError(text)


def _lookup(value: object, aliases: dict[str, str], values: Iterable[str]) -> str | None:
    text = "".join(idcard.normalize_text(value).split())
    if text in aliases:
        return str(aliases[text])
    if text in values:
        return text
    return None


_STAGES = {str(v) for v in TeachingStage.values} | {str(label) for label in TeachingStage.labels}
_STAGE_BY_LABEL = {str(label): value for value, label in TeachingStage.choices}
_TITLES = set(Title.values)
_STATUSES = set(TeacherStatus.values)
_SUBJECTS = set(SUBJECTS)


def _stage(value: object) -> str | None:
    found = _lookup(value, STAGE_ALIASES, _STAGES)
    return _STAGE_BY_LABEL.get(found, found) if found else None


# --- validation ------------------------------------------------------------------------------


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _import_roots(actor: UserType | None) -> list[str] | None:
    """Paths the actor may import into; None means everywhere (the system)."""
    if actor is None:
        return None
    return capability_paths(actor, Cap.ROSTER_IMPORT)


def _in_roots(path: str, roots: list[str] | None) -> bool:
    return roots is None or any(path == r or path.startswith(r + "/") for r in roots)


def roster_validate(
    rows: Iterable[dict[str, Any]],
    *,
    actor: UserType | None,
    first_row: int = 2,
    header_labels: dict[str, str] | None = None,
) -> tuple[list[TeacherRecord], list[RowError]]:
    """Validate raw rows keyed by CANONICAL_HEADERS. actor None = system (whole province).

    Row numbers are the spreadsheet's (header = row 1); a row may carry its own number under
    the key "_row" (the file reader sets it, so skipped blank rows keep the numbering).
    `header_labels` maps a canonical header to the header as written in the file, which is
    what errors name. Nothing is written.
    """
    optional = roster_columns.columns()
    labels = {h: h for h in CANONICAL_HEADERS} | {c.header: c.header for c in optional} | (header_labels or {})
    roots = _import_roots(actor)
    today = timezone.localdate()
    errors: list[RowError] = []
    # (row, school code, the record when the row is otherwise valid); schools are checked
    # for every row in one pass against the database, so a row's errors all show at once.
    pending: list[tuple[int, str, TeacherRecord | None]] = []
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}

    def err(at: int, column: str, reason: str, **params: Any) -> None:
        errors.append(RowError(row=at, column=labels[column], reason=_(reason) % params if params else _(reason)))

    for offset, raw in enumerate(rows):
        row = int(raw.get("_row") or first_row + offset)
        before = len(errors)

        name = idcard.normalize_text(raw.get(NAME))
        if not name:
            err(row, NAME, NAME_REQUIRED)
        elif len(name) > 64:
            err(row, NAME, NAME_TOO_LONG)

        national_id = idcard.normalize(raw.get(NATIONAL_ID))
        if not national_id:
            err(row, NATIONAL_ID, ID_REQUIRED)
        else:
            problem = idcard.problem(national_id)
            if problem:
                err(row, NATIONAL_ID, _ID_PROBLEMS[problem])
            elif national_id in seen_ids:
                err(row, NATIONAL_ID, ID_DUPLICATE, row=seen_ids[national_id])
            else:
                seen_ids[national_id] = row

        phone = normalize_phone(raw.get(PHONE))
        if phone:
            if not PHONE_PATTERN.match(phone):
                err(row, PHONE, PHONE_BAD_FORMAT)
            elif phone in seen_phones:
                err(row, PHONE, PHONE_DUPLICATE, row=seen_phones[phone])
            else:
                seen_phones[phone] = row

        code = "".join(idcard.normalize_text(cell_text(raw.get(SCHOOL_CODE))).split())
        if not code:
            err(row, SCHOOL_CODE, SCHOOL_REQUIRED)

        stage_raw = raw.get(STAGE)
        stage = _stage(stage_raw)
        if stage is None:
            err(row, STAGE, STAGE_UNKNOWN if idcard.normalize_text(stage_raw) else STAGE_REQUIRED)

        subject_raw = raw.get(SUBJECT)
        subject = _lookup(subject_raw, SUBJECT_ALIASES, _SUBJECTS)
        if subject is None:
            err(row, SUBJECT, SUBJECT_UNKNOWN if idcard.normalize_text(subject_raw) else SUBJECT_REQUIRED)

        title = _lookup(raw.get(TITLE), TITLE_ALIASES, _TITLES)
        if title is None:
            err(row, TITLE, TITLE_UNKNOWN)

        started_work = None
        try:
            started_work = parse_date(raw.get(STARTED_WORK))
        except (ValueError, OverflowError):
            err(row, STARTED_WORK, DATE_BAD_FORMAT)
        else:
            if started_work is not None and started_work > today:
                err(row, STARTED_WORK, DATE_IN_FUTURE)

        status = _lookup(raw.get(STATUS), STATUS_ALIASES, _STATUSES)
        if status is None:
            err(row, STATUS, STATUS_UNKNOWN)

        extra: dict[str, Any] = {}
        for column in optional:
            if column.header in raw:
                try:
                    value = column.parse(raw[column.header])
                except ValueError as problem:
                    err(row, column.header, str(problem.args[0]))
                else:
                    if value is not None:
                        extra[column.header] = value

        record = None
        if len(errors) == before:
            record = TeacherRecord(
                row=row, name=name, national_id=national_id, phone=phone, school_id=0, school_path="",
                stage=stage, subject=subject, title=title, started_work=started_work, status=status, extra=extra,
            )
        if code:
            pending.append((row, code, record))

    # Against the database: schools (exist, in scope), then phones used by other people.
    schools: dict[str, tuple[int, str]] = {}
    codes = sorted({code for _row, code, _record in pending})
    for chunk in _chunks(codes):
        schools.update({c: (pk, p) for c, pk, p in School.objects.filter(code__in=chunk).values_list("code", "pk", "path")})
    records: list[TeacherRecord] = []
    for row, code, record in pending:
        found = schools.get(code)
        if found is None:
            err(row, SCHOOL_CODE, SCHOOL_NOT_FOUND)
        elif not _in_roots(found[1], roots):
            err(row, SCHOOL_CODE, SCHOOL_OUT_OF_SCOPE)
        elif record is not None:
            record.school_id, record.school_path = found
            records.append(record)

    taken = _phones_taken(records)
    if taken:
        for record in records:
            if record.row in taken:
                err(record.row, PHONE, PHONE_TAKEN)
        records = [r for r in records if r.row not in taken]
    order = {labels[h]: i for i, h in enumerate((*CANONICAL_HEADERS, *(c.header for c in optional)))}
    errors.sort(key=lambda e: (e.row, order.get(e.column, 0)))
    return records, errors


def _phones_taken(records: list[TeacherRecord]) -> set[int]:
    """Rows whose phone belongs, in the database, to someone other than the row's person
    (the person is the teacher with the row's national ID, and that teacher's user)."""
    with_phone = [r for r in records if r.phone]
    taken: set[int] = set()
    for chunk in _chunks(with_phone):
        phones = [r.phone for r in chunk]
        users = dict(User.objects.filter(phone__in=phones).values_list("phone", "pk"))
        teachers = dict(Teacher.objects.filter(phone__in=phones).values_list("phone", "id_hash"))
        if not users and not teachers:
            continue
        hashes = {r.row: crypto.lookup_hash(r.national_id) for r in chunk if r.phone in users or r.phone in teachers}
        owners = dict(Teacher.objects.filter(id_hash__in=hashes.values()).values_list("id_hash", "user_id"))
        for r in chunk:
            if r.row not in hashes:
                continue
            h = hashes[r.row]
            if (r.phone in teachers and teachers[r.phone] != h) or (r.phone in users and owners.get(h) != users[r.phone]):
                taken.add(r.row)
    return taken


# --- applying --------------------------------------------------------------------------------

_UPDATABLE = ("name", "phone", "stage", "subject", "title", "started_work", "status")


def _classify(records: Sequence[TeacherRecord]) -> tuple[list[tuple[TeacherRecord, str]], dict[str, Teacher]]:
    """(record, id_hash) pairs and the existing teachers of this chunk by id_hash."""
    pairs = [(r, crypto.lookup_hash(r.national_id)) for r in records]
    existing = {
        t.id_hash: t
        for t in Teacher.objects.filter(id_hash__in=[h for _r, h in pairs]).only(
            "id", "id_hash", "user", "school", "org_path", *_UPDATABLE
        )
    }
    return pairs, existing


def _changed(teacher: Teacher, record: TeacherRecord) -> list[str]:
    """Fields the record changes. A blank phone or start date in the file keeps what is on
    record: rosters often leave them empty, which must not erase them."""
    return [
        f for f in _UPDATABLE
        if getattr(teacher, f) != getattr(record, f) and not (f in ("phone", "started_work") and not getattr(record, f))
    ]


def roster_preview(records: list[TeacherRecord]) -> RosterCounts:
    """What `roster_apply` would do, without writing."""
    counts = RosterCounts(rows=len(records))
    for chunk in _chunks(records):
        pairs, existing = _classify(chunk)
        for record, h in pairs:
            teacher = existing.get(h)
            if teacher is None:
                counts.created += 1
            elif teacher.school_id != record.school_id:
                counts.transferred += 1
            elif _changed(teacher, record):
                counts.updated += 1
            else:
                counts.unchanged += 1
    return counts


def common_path(paths: Iterable[str]) -> str:
    """The deepest node at or above all of `paths` ("" when they share nothing)."""
    parts: list[str] | None = None
    for p in paths:
        segs = p.split("/")
        if parts is None:
            parts = segs
        else:
            n = 0
            while n < min(len(parts), len(segs)) and parts[n] == segs[n]:
                n += 1
            parts = parts[:n]
    return "/".join(parts or [])


def recount_schools(school_ids: Iterable[int]) -> None:
    """School.teacher_count = its active teachers: per chunk of schools, one grouped count
    and one UPDATE. (A correlated COUNT subquery per school is planned against the stale
    statistics of a table that just received 100,000 rows in this transaction: PostgreSQL
    then scans the whole teacher table once per school.)"""
    ids = sorted(set(school_ids))
    for chunk in _chunks(ids):
        counts = dict(
            Teacher.objects.filter(school_id__in=chunk, status=TeacherStatus.ACTIVE)
            .order_by().values_list("school_id").annotate(n=Count("pk")).values_list("school_id", "n")
        )
        School.objects.filter(pk__in=chunk).update(
            teacher_count=Case(*[When(pk=pk, then=Value(n)) for pk, n in counts.items()],
                               default=Value(0), output_field=IntegerField())
        )


def lock_schools(school_ids: Iterable[int]) -> None:
    """Lock the schools' rows until the transaction ends, in id order (so two imports never
    hold one each and wait for the other's): an import into the same schools waits here for
    the other to commit, then reads its teachers as existing ones instead of inserting them a
    second time. SQLite has no row locks and needs none: its writers already take turns
    (transaction_mode IMMEDIATE)."""
    if not connection.features.has_select_for_update:
        return
    for chunk in _chunks(sorted(set(school_ids))):
        list(School.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))


def roster_apply(records: list[TeacherRecord], *, actor: UserType | None, source: str) -> RosterCounts:
    """The bulk write path, used by the import and by `tisheng seed` at province scale.

    `records` come from `roster_validate` (scope and duplicates already checked). A new ID
    makes a User (unusable password, must change it), a Teacher, a posting and the teacher
    role at the school; a known ID at the same school updates what changed; at another
    school it is a transfer (posting closed and opened, role moved, audited). All in one
    transaction, in chunks, with a fixed number of queries per chunk, after locking the
    records' schools (`lock_schools`: concurrent imports into the same schools take turns).
    """
    counts = RosterCounts(rows=len(records))
    actor_id = actor.pk if actor is not None and actor.pk else None
    actor_name = actor.name if actor_id else ""
    affected: set[int] = set()
    source = source[:32]
    with transaction.atomic():
        lock_schools(r.school_id for r in records)
        now = timezone.now()
        for chunk in _chunks(records):
            pairs, existing = _classify(chunk)
            new: list[tuple[TeacherRecord, str]] = []
            updated: list[Teacher] = []
            moved: list[tuple[Teacher, int]] = []  # (teacher, old school id)
            update_fields: set[str] = set()
            user_changes: list[Teacher] = []
            for record, h in pairs:
                teacher = existing.get(h)
                if teacher is None:
                    new.append((record, h))
                    continue
                changed = _changed(teacher, record)
                old_school = teacher.school_id
                for f in changed:
                    setattr(teacher, f, getattr(record, f))
                if old_school != record.school_id:
                    teacher.school_id = record.school_id
                    teacher.org_path = record.school_path
                    moved.append((teacher, old_school))
                    affected.update((old_school, record.school_id))
                    update_fields.update(changed)
                    counts.transferred += 1
                elif changed:
                    update_fields.update(changed)
                    updated.append(teacher)
                    affected.add(record.school_id)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                    continue
                teacher.updated_at = now
                if teacher.user_id and ("name" in changed or "phone" in changed):
                    user_changes.append(teacher)

            if new:
                _create_teachers(new, now=now, source=source, actor_id=actor_id)
                affected.update(r.school_id for r, _h in new)
                counts.created += len(new)
            changed_teachers = updated + [t for t, _old in moved]
            if changed_teachers:
                fields = sorted(update_fields | {"updated_at"} | ({"school", "org_path"} if moved else set()))
                bulk_update(Teacher, changed_teachers, fields)
            if user_changes:
                _sync_users(user_changes)
            if moved:
                _move_teachers(moved, now=now, source=source, actor_id=actor_id, actor_name=actor_name)
        recount_schools(affected)
        enrollment_sync_for_schools(affected)  # hires and transfers join the programs their county is in
        scope_path = common_path(r.school_path for r in records) if records else ""
        counts.columns_stored = roster_columns.store_all(records, actor=actor, source=source, scope_path=scope_path)
        AuditLog.objects.create(
            actor_id=actor_id, actor_name=actor_name, action=AuditAction.ROSTER_IMPORTED,
            object_type="roster", object_id=source, scope_path=scope_path,
            detail={"rows": counts.rows, "created": counts.created, "updated": counts.updated,
                    "transferred": counts.transferred, "unchanged": counts.unchanged},
        )
    return counts


def _unusable_password() -> str:
    """What make_password(None) stores ("!" + random), without its 40 random.choice calls
    per user, which dominated a 100,000-row import."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _create_teachers(new: list[tuple[TeacherRecord, str]], *, now: dt.datetime, source: str,
                     actor_id: int | None) -> None:
    """User, Teacher, posting and teacher role for each new record, as plain rows with ids
    taken up front (COPY on PostgreSQL, executemany on SQLite; no model instances, no
    RETURNING): building 400,000 model instances was most of a 100,000-row import."""
    if connection.vendor in RAW_VENDORS:
        user_ids = allocate_ids(User, len(new))
        teacher_ids = allocate_ids(Teacher, len(new))
        insert_rows(User, ("id", "password", "phone", "name", "must_change_password", "date_joined"), [
            (uid, _unusable_password(), r.phone or None, r.name, True, now) for uid, (r, _h) in zip(user_ids, new, strict=True)
        ])
        insert_rows(Teacher, ("id", "user_id", *_TEACHER_COLUMNS), [
            (tid, uid, *_teacher_values(r, h, now)) for tid, uid, (r, h) in zip(teacher_ids, user_ids, new, strict=True)
        ])
        insert_rows(TeacherPosting, ("teacher_id", "school_id", "started", "source", "recorded_by_id"), [
            (tid, r.school_id, now, source, actor_id) for tid, (r, _h) in zip(teacher_ids, new, strict=True)
        ])
        insert_rows(RoleAssignment, ("user_id", "role", "school_id", "granted_at", "granted_by_id"), [
            (uid, Role.TEACHER.value, r.school_id, now, actor_id) for uid, (r, _h) in zip(user_ids, new, strict=True)
        ])
        return
    # Other databases: Django's bulk_create, which returns the ids.
    users = User.objects.bulk_create([
        User(phone=r.phone or None, name=r.name, password=_unusable_password(), must_change_password=True,
             date_joined=now)
        for r, _h in new
    ], batch_size=1000)
    teachers = Teacher.objects.bulk_create([
        Teacher(user_id=user.pk, **dict(zip(_TEACHER_COLUMNS, _teacher_values(r, h, now), strict=True)))
        for (r, h), user in zip(new, users, strict=True)
    ], batch_size=1000)
    TeacherPosting.objects.bulk_create(
        [TeacherPosting(teacher_id=t.pk, school_id=t.school_id, started=now, source=source, recorded_by_id=actor_id)
         for t in teachers],
        batch_size=2000,
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=t.user_id, role=Role.TEACHER, school_id=t.school_id, granted_at=now,
                        granted_by_id=actor_id) for t in teachers],
        batch_size=2000,
    )


_TEACHER_COLUMNS = (
    "name", "id_hash", "id_encrypted", "id_last4", "birth_date", "sex", "phone", "school_id", "org_path", "stage",
    "subject", "title", "started_work", "status", "created_at", "updated_at",
)


def _teacher_values(r: TeacherRecord, h: str, now: dt.datetime) -> tuple:
    return (
        r.name, h, crypto.encrypt(r.national_id), r.national_id[-4:], idcard.birth_date(r.national_id),
        idcard.sex(r.national_id), r.phone, r.school_id, r.school_path, r.stage, r.subject, r.title,
        r.started_work, r.status, now, now,
    )


def _sync_users(teachers: list[Teacher]) -> None:
    """A teacher's login account follows the roster's name and phone."""
    users = list(User.objects.filter(pk__in=[t.user_id for t in teachers]).only("id", "name", "phone"))
    by_id = {t.user_id: t for t in teachers}
    for user in users:
        teacher = by_id[user.pk]
        user.name = teacher.name
        user.phone = teacher.phone or user.phone
    bulk_update(User, users, ["name", "phone"])


def _move_teachers(moved: list[tuple[Teacher, int]], *, now: dt.datetime, source: str, actor_id: int | None,
                   actor_name: str) -> None:
    ids = [t.pk for t, _old in moved]
    old_paths = dict(School.objects.filter(pk__in={old for _t, old in moved}).values_list("pk", "path"))
    TeacherPosting.objects.filter(teacher_id__in=ids, ended__isnull=True).update(ended=now)
    insert_rows(TeacherPosting, ("teacher_id", "school_id", "started", "source", "recorded_by_id"),
            [(t.pk, t.school_id, now, source, actor_id) for t, _old in moved])
    users = [t.user_id for t, _old in moved if t.user_id]
    if users:
        RoleAssignment.objects.filter(user_id__in=users, role=Role.TEACHER).delete()
        insert_rows(RoleAssignment, ("user_id", "role", "school_id", "granted_at", "granted_by_id"),
                [(t.user_id, Role.TEACHER.value, t.school_id, now, actor_id) for t, _old in moved if t.user_id])
    # Two audit rows per transfer: the receiving side's (at the new school) says nothing of
    # where the teacher came from, since a county may pull in a teacher from anywhere by
    # national ID; the sending side's (at the old school) records both ends.
    audit_rows = []
    for t, old in moved:
        audit_rows.append((now, actor_id, actor_name, AuditAction.TEACHER_TRANSFERRED.value, "teacher", str(t.pk),
                           t.org_path, {"direction": "in", "to_school": t.school_id, "source": source}))
        audit_rows.append((now, actor_id, actor_name, AuditAction.TEACHER_TRANSFERRED.value, "teacher", str(t.pk),
                           old_paths.get(old, ""),
                           {"direction": "out", "from_school": old, "to_school": t.school_id, "source": source}))
    insert_rows(AuditLog, ("at", "actor_id", "actor_name", "action", "object_type", "object_id", "scope_path", "detail"),
            audit_rows)


