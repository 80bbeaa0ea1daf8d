"""What the LRS tells the rest of tisheng: statements stored and statements voided.

The xapi app calls these inside the transaction that stores the statements, once per request
(a whole batch at a time), so an implementation must be set-based: a fixed number of queries
per batch, whatever its size.

A completion (`completed`, or cmi5 `satisfied`) for a course the institution owns, about a
teacher (account on SITE_URL named by their platform id) enrolled in the course's program in
a region the institution is contracted for (the contracts of the deepest region above the
teacher decide, as in the catalogue: integration.selectors.ContractMap), with a passing
result, credits the course's hours to the ledger (category online, source "xapi", idempotent
by statement id), unless learning.crediting stops the course there (the institution suspended
or terminated where the teacher is, from the effective date: a completion counts on the day of
its timestamp when the LRS stored it within the late-reporting window after that date, see
learning.crediting.counting_day). Every completion
gets a StatementOutcome row: the entry it credited or the reason it credited nothing. Other
verbs are stored by the LRS and only counted here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.integration.auth import XapiClient
from tisheng.integration.models import InstitutionDay, Reason, StatementOutcome
from tisheng.integration.selectors import ContractMap, teachers_by_platform_id
from tisheng.learning.crediting import CLOCK_SKEW, carried_hours, counting_day, credit_stops_on
from tisheng.learning.models import Course
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit, ledger_reverse
from tisheng.orgs.models import Organization
from tisheng.people.models import Teacher
from tisheng.programs.models import Enrollment

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
CREDITING_VERBS = frozenset({COMPLETED, SATISFIED})
VOID_REASON = "xAPI 学习记录已被培训机构作废（voided）"
# What institution_out means for a platform's developers (the outcomes API's message).
LATE_REPORT_RULE = _(
    "A completion counts on the day of its timestamp (when the teacher completed the course): made before the "
    "effective date, it still credits when the LRS stores it within %(days)s days after that date. Stored later, "
    "it credits nothing; a timestamp later than stored (by more than %(skew)s minutes) or absent counts as made "
    "when stored.")


@dataclass(slots=True)
class _Outcome:
    """A StatementOutcome row to be: plain attributes, inserted in bulk with one statement (model
    instances and bulk_create cost more than the checks themselves on a batch of 1,000)."""

    statement_id: str
    verb: str
    activity_id: str
    actor_name: str
    stored_at: dt.datetime
    course: Course | None = None
    teacher: Teacher | None = None
    entry: LedgerEntry | None = None
    hours: Decimal = Decimal(0)
    reason: str = ""


@dataclass(slots=True)
class _Check:
    statement: dict
    outcome: _Outcome
    course: Course | None = None
    teacher: Teacher | None = None

    @property
    def teacher_pk(self) -> int | None:
        return self.teacher.pk if self.teacher else None


def _activity_id(statement: dict) -> str:
    obj = statement.get("object") or {}
    if obj.get("objectType", "Activity") != "Activity":
        return ""
    return str(obj.get("id") or "")[:255]


def _account_name(statement: dict) -> str | None:
    """The actor's account name when it is an account on the province's homePage."""
    account = (statement.get("actor") or {}).get("account") or {}
    if str(account.get("homePage", "")).rstrip("/") != settings.SITE_URL.rstrip("/"):
        return None
    return str(account.get("name", ""))


def score_percent(result: dict | None) -> float | None:
    """The result's score as a percentage: scaled × 100, else raw within [min, max] (min 0)."""
    score = (result or {}).get("score") or {}
    if isinstance(score.get("scaled"), (int, float)):
        return float(score["scaled"]) * 100
    raw, high = score.get("raw"), score.get("max")
    if isinstance(raw, (int, float)) and isinstance(high, (int, float)):
        low = score.get("min", 0) if isinstance(score.get("min"), (int, float)) else 0
        if high > low:
            return (raw - low) / (high - low) * 100
    return None


def _passed(statement: dict, course: Course) -> bool:
    result = statement.get("result") or {}
    if result.get("success") is False:
        return False
    quiz = course.quiz if hasattr(course, "quiz") else None  # hasattr: the reverse one-to-one may be absent
    percent = score_percent(result)
    return quiz is None or percent is None or percent + 1e-9 >= quiz.pass_mark


def _made_at(statement: dict) -> dt.datetime | None:
    """The statement's timestamp: when the experience occurred (None when absent or unreadable;
    without a zone it is UTC, as the LRS reads it)."""
    try:
        made = dt.datetime.fromisoformat(str(statement["timestamp"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return made if timezone.is_aware(made) else made.replace(tzinfo=dt.UTC)


def reason_message(reason: str) -> str:
    """A reason's meaning as the API and the mapping rules page give it."""
    message = str(Reason(reason).label)
    if reason == Reason.INSTITUTION_OUT:
        message += " " + LATE_REPORT_RULE % {"days": settings.CREDIT_LATE_REPORT_DAYS,
                                             "skew": int(CLOCK_SKEW.total_seconds() // 60)}
    return message


def _stored_at(statement: dict) -> dt.datetime:
    try:
        stored = dt.datetime.fromisoformat(str(statement.get("stored", "")).replace("Z", "+00:00"))
    except ValueError:
        return timezone.now()
    return stored if timezone.is_aware(stored) else timezone.now()


def _count_statements(institution_id: int, day: dt.date, n: int) -> None:
    table = connection.ops.quote_name(InstitutionDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (institution_id, day, statements) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (institution_id, day) DO UPDATE SET statements = {table}.statements + excluded.statements",
            [institution_id, day, n])


def statements_stored(client: XapiClient, statements: list[dict]) -> None:
    """`statements`: the stored statements as the LRS returns them (with id, stored, authority).
    Maps completions to ledger credits.

    Queries per batch: none when it holds no completion; else one each for courses, teachers,
    enrollments (locked), contracts, earlier credits (two), the outcome rows (one INSERT per
    500), then ledger_credit per crediting statement. The day's statement count is one upsert
    after the commit (so the counter row is not locked for the length of the LRS transaction)."""
    if not statements:
        return
    today = timezone.localdate()
    transaction.on_commit(lambda: _count_statements(client.institution_id, today, len(statements)))
    checks: list[_Check] = []
    for statement in statements:
        verb = (statement.get("verb") or {}).get("id")
        if verb not in CREDITING_VERBS or not statement.get("id"):
            continue
        checks.append(_Check(statement, _Outcome(
            statement_id=str(statement["id"]).lower(), verb=verb, activity_id=_activity_id(statement),
            actor_name=str(_account_name(statement) or "")[:255], stored_at=_stored_at(statement))))
    if not checks:
        return
    with transaction.atomic(savepoint=False):  # joins the LRS transaction (FOR UPDATE needs one)
        _check_all(client, checks)
        _credit(client, checks)
        _insert_outcomes(client.institution_id, [c.outcome for c in checks])


_OUTCOME_COLUMNS = ("statement_id", "institution_id", "verb", "activity_id", "actor_name", "teacher_id", "course_id",
                    "entry_id", "hours", "reason", "day", "stored_at", "updated_at")
_OUTCOME_CHUNK = 500  # rows per INSERT: 13 parameters each, well under SQLite's limit


def _insert_outcomes(institution_id: int, outcomes: list[_Outcome]) -> None:
    """One INSERT … ON CONFLICT (statement_id) DO NOTHING per 500 rows (a replayed statement keeps
    its first outcome), values adapted by the backend as the ORM would."""
    ops = connection.ops
    table = ops.quote_name(StatementOutcome._meta.db_table)
    now = ops.adapt_datetimefield_value(timezone.now())
    tz = timezone.get_current_timezone()
    rows = [(o.statement_id, institution_id, o.verb, o.activity_id, o.actor_name, o.teacher.pk if o.teacher else None,
             o.course.pk if o.course else None, o.entry.pk if o.entry else None,
             ops.adapt_decimalfield_value(o.hours, 6, 2), o.reason,
             ops.adapt_datefield_value(o.stored_at.astimezone(tz).date()), ops.adapt_datetimefield_value(o.stored_at),
             now) for o in outcomes]
    one = "(" + ", ".join(["%s"] * len(_OUTCOME_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _OUTCOME_CHUNK):
            chunk = rows[start:start + _OUTCOME_CHUNK]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(_OUTCOME_COLUMNS)}) VALUES {', '.join([one] * len(chunk))} "  # noqa: S608
                "ON CONFLICT (statement_id) DO NOTHING", [v for row in chunk for v in row])


def _reject(check: _Check, reason: str) -> None:
    if not check.outcome.reason:
        check.outcome.reason = reason


def _check_all(client: XapiClient, checks: list[_Check]) -> None:
    activity_ids = {c.outcome.activity_id for c in checks if c.outcome.activity_id}
    courses: dict[str, Course] = {}
    if activity_ids:
        for course in (Course.objects.filter(institution_id=client.institution_id, activity_id__in=activity_ids)
                       .select_related("program", "quiz").order_by("-pk")):
            courses[course.activity_id] = course  # the oldest course wins when two share an id
    names = {c.outcome.actor_name for c in checks if c.outcome.actor_name}
    teachers = teachers_by_platform_id(names)
    for c in checks:
        c.course = courses.get(c.outcome.activity_id)
        teacher = teachers.get(c.outcome.actor_name)
        c.teacher = teacher
        c.outcome.course = c.course
        c.outcome.teacher = teacher
        if c.course is None:
            _reject(c, Reason.UNKNOWN_COURSE)
        elif _account_name(c.statement) is None:
            _reject(c, Reason.NOT_AN_ACCOUNT)
        elif teacher is None:
            _reject(c, Reason.UNKNOWN_TEACHER)
    pending = [c for c in checks if not c.outcome.reason]
    if not pending:
        return
    teacher_pks = {c.teacher_pk for c in pending}
    program_pks = {c.course.program_id for c in pending}
    # FOR UPDATE (in pk order, so two batches cannot deadlock): a concurrent batch completing
    # the same course for the same teacher under another statement id waits here until this
    # one commits, then sees its outcome and credits nothing (already_credited).
    enrolled = dict(((t, p), path) for t, p, path in Enrollment.objects.select_for_update().filter(
        teacher_id__in=teacher_pks, program_id__in=program_pks).order_by("pk").values_list(
        "teacher_id", "program_id", "org_path"))
    # Served by the catalogue's rule: the contracts at the deepest region above the teacher decide.
    contracts = ContractMap(program_pks)
    for c in pending:
        org_path = enrolled.get((c.teacher_pk, c.course.program_id))
        if org_path is None or not contracts.serves(client.institution_id, c.course.program_id, org_path):
            _reject(c, Reason.NOT_ENROLLED)
        elif not _passed(c.statement, c.course):
            _reject(c, Reason.NOT_PASSED)
    # The institution suspended or terminated where the teacher is (learning.crediting, one
    # lookup per batch unless an exit concerns it): completions made from the effective date, or
    # reported too long after it, credit nothing.
    asks = [(c, ((c.teacher.org_path, client.institution_id), counting_day(_made_at(c.statement),
                                                                          c.outcome.stored_at)))
            for c in pending if not c.outcome.reason]
    stopped = credit_stops_on(ask for _c, ask in asks)
    for c, ask in asks:
        if ask in stopped:
            _reject(c, Reason.INSTITUTION_OUT)
    _reject_already_credited([c for c in checks if not c.outcome.reason])


def _reject_already_credited(pending: list[_Check]) -> None:
    """A course counts once per teacher: a second completion (another statement id, or a course
    the teacher also completed in tisheng's own player) credits nothing. A replayed statement
    id is not a second completion: ledger_credit finds its entry by the idempotency key."""
    if not pending:
        return
    pairs = {(c.teacher_pk, c.course.pk) for c in pending}
    teacher_pks = {t for t, _c in pairs}
    course_pks = {c for _t, c in pairs}
    ids = {c.outcome.statement_id for c in pending}
    done: set[tuple[int, int]] = set()
    done.update(StatementOutcome.objects.filter(
        teacher_id__in=teacher_pks, course_id__in=course_pks, entry__isnull=False, voided_at__isnull=True)
        .exclude(statement_id__in=ids).values_list("teacher_id", "course_id"))
    for t, source_id in (LedgerEntry.objects.filter(
            teacher_id__in=teacher_pks, source_kind="course", source_id__in=[str(c) for c in course_pks],
            reverses__isnull=True, reversed_by__isnull=True).values_list("teacher_id", "source_id")):
        done.add((t, int(source_id)))
    for c in pending:
        pair = (c.teacher_pk, c.course.pk)
        if pair in done:
            _reject(c, Reason.ALREADY_CREDITED)
        done.add(pair)  # a second completion in the same batch


def _credit(client: XapiClient, checks: list[_Check]) -> None:
    crediting = [c for c in checks if not c.outcome.reason]
    if not crediting:
        return
    code = Organization.objects.filter(pk=client.institution_id).values_list("code", flat=True).first()
    # Less what a termination carried over for the course before (one query a batch).
    carried = carried_hours({(c.teacher_pk, c.course.pk) for c in crediting})
    for c in crediting:
        course = c.course
        hours = Decimal(course.hours) - carried.get((c.teacher_pk, course.pk), Decimal(0))
        if hours <= 0:
            _reject(c, Reason.ALREADY_CREDITED)
            continue
        entry = ledger_credit(
            teacher=c.teacher, program=course.program, category="online",
            hours=hours, source_kind="xapi", source_id=c.outcome.statement_id,
            granted_by_system=f"xapi:{code}"[:64], idempotency_key=f"xapi:{c.outcome.statement_id}",
            reason=course.title[:255])
        c.outcome.entry = entry
        c.outcome.hours = entry.hours


def statements_voided(client: XapiClient, statement_ids: list[str]) -> None:
    """The ids of statements this batch voided (the targets, not the voiding statements):
    their credits are reversed (one ledger reversal each) and their outcomes marked voided."""
    ids = [str(s).lower() for s in statement_ids]
    if not ids:
        return
    outcomes = list(StatementOutcome.objects.filter(institution_id=client.institution_id, statement_id__in=ids,
                                                    voided_at__isnull=True).select_related("entry"))
    if not outcomes:
        return
    now = timezone.now()
    reversed_already = set(LedgerEntry.objects.filter(
        reverses_id__in=[o.entry_id for o in outcomes if o.entry_id]).values_list("reverses_id", flat=True))
    for outcome in outcomes:
        if outcome.entry_id and outcome.entry_id not in reversed_already:
            ledger_reverse(entry=outcome.entry, actor=None, reason=VOID_REASON)
    StatementOutcome.objects.filter(pk__in=[o.pk for o in outcomes]).update(voided_at=now, updated_at=now)
