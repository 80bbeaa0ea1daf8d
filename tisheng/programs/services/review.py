"""The review chain (结业审核): the school submits its completion list, the county and then
the city review it, the province approves.

An enrollment under review carries the level that must decide next in `review_level`:

    complete ──school submits──▶ under_review/county ──county approves──▶ under_review/city
      ──city approves──▶ under_review/province ──province approves──▶ approved

Any reviewing level may instead return one teacher with a reason (state returned, the reason
on the enrollment for the school and the teacher to read); once the ledger makes a returned
enrollment complete again the school resubmits it and it starts again at the county.

Who acts at which level comes from the role, not only the capability: a city office and a
county office both hold `completion.review`, but the city acts only on enrollments whose
`review_level` is "city", below its own city. Every read starts from the scope filter.

Batch decisions are one `UPDATE … WHERE id IN (subquery) RETURNING id` (the state guard is
repeated outside the subquery, so a row another reviewer moved meanwhile is left alone),
one bulk insert of ReviewDecision rows and one audit row listing the ids: approving 5,000
teachers is three statements, not 5,000 saves. Each teacher moved is told (notifications): one
SELECT of the teachers, one of their SMS settings and one bulk INSERT per 2,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap, Role
from tisheng.accounts.services import audit
from tisheng.notifications import notices
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import get_object_for_user, grants_for, path_q, scope_filter
from tisheng.people.services.bulk import insert_rows
from tisheng.programs.completion import COMPLETE_TEXT
from tisheng.programs.models import Enrollment, EnrollmentState, Program, ReviewDecision, ReviewLevel

SCHOOL = "school"
COUNTY = ReviewLevel.COUNTY.value
CITY = ReviewLevel.CITY.value
PROVINCE = ReviewLevel.PROVINCE.value
LEVELS = (SCHOOL, COUNTY, CITY, PROVINCE)
LEVEL_LABELS = {SCHOOL: _("School"), COUNTY: _("County"), CITY: _("City"), PROVINCE: _("Province")}

# The role that acts at each level, and the capability it acts with.
LEVEL_ROLES = {SCHOOL: Role.SCHOOL_ADMIN, COUNTY: Role.COUNTY_OFFICE, CITY: Role.CITY_OFFICE,
               PROVINCE: Role.PROVINCE_OFFICE}
LEVEL_CAPABILITIES = {SCHOOL: Cap.COMPLETION_SUBMIT, COUNTY: Cap.COMPLETION_REVIEW, CITY: Cap.COMPLETION_REVIEW,
                      PROVINCE: Cap.COMPLETION_APPROVE}
# Where an enrollment goes when a level passes it on ("" = the chain is done).
NEXT_LEVEL = {SCHOOL: COUNTY, COUNTY: CITY, CITY: PROVINCE, PROVINCE: ""}

# Queue filters ("status" in the page's query string).
PENDING = "pending"
PASSED = "approved"
RETURNED = "returned"
ALL = "all"
STATUSES = (PENDING, PASSED, RETURNED, ALL)

MAX_REASON_LENGTH = 500

NOT_AT_YOUR_LEVEL = _("This enrollment is not waiting for a decision at your level.")
NOT_SUBMITTABLE = _("Only complete enrollments (or returned ones that are complete again) can be submitted.")
RETURN_REASON_REQUIRED = _("Say why the enrollment is returned: the school and the teacher will read it.")
RETURN_REASON_TOO_LONG = _("The reason is too long (500 characters at most).")
NOTHING_SELECTED = _("Select at least one teacher.")
NO_REVIEW_ROLE = _("You have no role in the completion review.")

UNDER_REVIEW = EnrollmentState.UNDER_REVIEW.value
S_RETURNED = EnrollmentState.RETURNED.value
DONE_STATES = (EnrollmentState.APPROVED.value, EnrollmentState.CERTIFIED.value)


class ReviewError(ValidationError):
    """A decision the chain refuses; `message` is one of the constants above."""


# --- who acts where ---------------------------------------------------------------------


def review_levels_for(actor) -> list[str]:
    """The levels at which `actor` takes part in the chain, lowest first."""
    roles = {g.role for g in grants_for(actor)}
    return [level for level in LEVELS
            if LEVEL_ROLES[level] in roles and LEVEL_CAPABILITIES[level] in ROLE_CAPABILITIES[LEVEL_ROLES[level]]]


def level_paths(actor, level: str) -> list[str]:
    """The subtrees over which `actor` acts at `level`: the nodes of their role for it."""
    role = LEVEL_ROLES[level]
    if LEVEL_CAPABILITIES[level] not in ROLE_CAPABILITIES.get(role, ()):
        return []
    return sorted({p for g in grants_for(actor) if g.role == role for p in g.paths})


def review_scope(actor, level: str) -> QuerySet[Enrollment]:
    """Enrollments `actor` may act on at `level` (any state): the scope filter for the
    level's capability, narrowed to the subtrees of the level's role."""
    qs = scope_filter(Enrollment.objects.all(), actor, LEVEL_CAPABILITIES[level])
    return qs.filter(path_q("org_path", level_paths(actor, level)))


# --- what each level sees ----------------------------------------------------------------


def _submittable_q() -> Q:
    """Complete, or returned and complete again: completion keeps a returned enrollment's
    evaluation up to date and its explanation then starts with the completion text."""
    return Q(state=EnrollmentState.COMPLETE) | Q(state=S_RETURNED, explanation__startswith=COMPLETE_TEXT)


def status_q(level: str, status: str) -> Q:
    """The enrollments a level's queue shows for a status filter.

    - pending: waiting for this level (for a school: complete ones, and returned ones, which
      the school must look at whether or not they are complete again);
    - approved: passed this level (submitted, for a school);
    - returned: returned by any reviewer and not yet resubmitted.
    """
    if level == SCHOOL:
        pending = Q(state=EnrollmentState.COMPLETE) | Q(state=S_RETURNED)
        passed = Q(state=UNDER_REVIEW) | Q(state__in=DONE_STATES)
    else:
        pending = Q(state=UNDER_REVIEW, review_level=level)
        later = LEVELS[LEVELS.index(level) + 1:]
        passed = Q(state=UNDER_REVIEW, review_level__in=later) | Q(state__in=DONE_STATES)
    returned = Q(state=S_RETURNED)
    return {PENDING: pending, PASSED: passed, RETURNED: returned}.get(status, pending | passed | returned)


def review_queue(
    actor,
    level: str,
    *,
    program: Program,
    status: str = PENDING,
    school: int | None = None,
    region: Region | None = None,
    q: str = "",
) -> QuerySet[Enrollment]:
    """The level's queue for `program`, narrowed by the filters, teacher and school in the
    same query. A filter pointing outside the actor's scope finds nothing."""
    qs = review_scope(actor, level).filter(status_q(level, status), program=program)
    if school is not None:
        qs = qs.filter(school_id=school)
    if region is not None:
        qs = qs.filter(path_q("org_path", [region.path]))
    if q:
        qs = qs.filter(teacher__name__contains=q)
    return qs.select_related("teacher", "school").order_by("org_path", "id")


@dataclass
class UnitCounts:
    """One child unit of the actor's node (a school for a county, a county for a city, a
    city for the province) with its numbers at the actor's level."""

    code: str
    name: str
    pk: int | None = None  # the school's, for the school filter
    pending: int = 0
    passed: int = 0
    returned: int = 0


@dataclass
class QueueCounts:
    pending: int = 0
    passed: int = 0
    returned: int = 0
    units: list[UnitCounts] = field(default_factory=list)


def review_counts(actor, level: str, *, program: Program) -> QueueCounts:
    """Pending, approved and returned counts at `level`, in total and per child unit: one
    GROUP BY over the enrollments of the actor's subtree (on the prefix of `org_path` that
    names the child) and one query for the children's names."""
    base = review_scope(actor, level).filter(program=program).filter(
        status_q(level, PENDING) | status_q(level, PASSED) | status_q(level, RETURNED))
    aggregates = {
        "n_pending": Count("id", filter=status_q(level, PENDING)),
        "n_passed": Count("id", filter=status_q(level, PASSED)),
        "n_returned": Count("id", filter=status_q(level, RETURNED)),
    }
    counts = QueueCounts()
    if level in (SCHOOL, COUNTY):
        # A school is its own unit; a county's units are its schools.
        rows = base.order_by().values("school_id").annotate(**aggregates)
        by_key = {r["school_id"]: r for r in rows}
        names = {s.pk: s for s in School.objects.filter(pk__in=list(by_key)).only("id", "code", "name")}
        for key, r in by_key.items():
            unit = names.get(key)
            counts.units.append(UnitCounts(code=unit.code if unit else "", name=unit.name if unit else "", pk=key,
                                           pending=r["n_pending"], passed=r["n_passed"], returned=r["n_returned"]))
    else:
        roots = level_paths(actor, level)
        children = list(Region.objects.filter(parent__path__in=roots).only("code", "name", "path"))
        by_path = {c.path: c for c in children}
        for length in sorted({len(p) for p in by_path}):
            rows = (base.order_by().annotate(prefix=Substr("org_path", 1, length + 1))
                    .values("prefix").annotate(**aggregates))
            for r in rows:
                child = by_path.get(r["prefix"][:-1]) if r["prefix"].endswith("/") else None
                if child is not None:
                    counts.units.append(UnitCounts(code=child.code, name=child.name, pending=r["n_pending"],
                                                   passed=r["n_passed"], returned=r["n_returned"]))
    counts.units.sort(key=lambda u: u.code)
    counts.pending = sum(u.pending for u in counts.units)
    counts.passed = sum(u.passed for u in counts.units)
    counts.returned = sum(u.returned for u in counts.units)
    return counts


def get_enrollment_for_user(actor, pk: int) -> Enrollment:
    """One enrollment with its teacher, school and program: 404 when the actor cannot see
    it (the same answer as for one that does not exist)."""
    return get_object_for_user(actor, Enrollment.objects.select_related("teacher", "school", "program"),
                               Cap.TEACHERS_VIEW, pk=pk)


def enrollment_decisions(enrollment: Enrollment) -> QuerySet[ReviewDecision]:
    """The enrollment's review history, oldest first (the caller fetched it through the
    scope filter)."""
    return ReviewDecision.objects.filter(enrollment=enrollment).select_related("actor").order_by("at", "id")


def acting_level(actor, enrollment: Enrollment) -> str | None:
    """The level at which `actor` may decide on `enrollment` now, if any (no query beyond
    the actor's grants)."""
    if enrollment.state == UNDER_REVIEW:
        level = enrollment.review_level
    elif enrollment.state in (EnrollmentState.COMPLETE, S_RETURNED):
        level = SCHOOL
    else:
        return None
    path = enrollment.org_path
    if level in LEVELS and any(path == r or path.startswith(r + "/") for r in level_paths(actor, level)):
        return level
    return None


def enrollment_return_reason_for(teacher) -> str:
    """Why the teacher's completion was returned, if it is returned now ("" otherwise): the
    most recently returned of their enrollments."""
    return (Enrollment.objects.filter(teacher=teacher, state=S_RETURNED).order_by("-updated_at", "-id")
            .values_list("return_reason", flat=True).first()) or ""


def my_enrollments(actor) -> QuerySet[Enrollment]:
    """The signed-in teacher's own enrollments ("我的结业审核"), programs alongside."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Enrollment.objects.none()
    return (scope_filter(Enrollment.objects.filter(teacher__user=actor), actor, Cap.TEACHERS_VIEW)
            .select_related("program", "school").order_by("-program__start_date", "id"))


def decisions_for(enrollment_ids: Iterable[int]) -> dict[int, list[ReviewDecision]]:
    """Review histories of several enrollments (already fetched through the scope filter),
    in one query."""
    history: dict[int, list[ReviewDecision]] = {}
    for d in ReviewDecision.objects.filter(enrollment_id__in=list(enrollment_ids)).select_related("actor"):
        history.setdefault(d.enrollment_id, []).append(d)
    return history


# --- decisions ---------------------------------------------------------------------------


def _move(target: QuerySet[Enrollment], *, guard: Q, state: str, review_level: str,
          clear_reason: bool = False) -> list[int]:
    """One UPDATE of the enrollments `target` selects (already narrowed by `guard`), the
    guard repeated on the row itself; the ids of the rows it changed."""
    subquery, params = target.order_by().values("pk").query.sql_with_params()
    meta = Enrollment._meta
    quote = connection.ops.quote_name
    # The guard again, compiled on its own against the bare table, for the outer WHERE.
    guard_query = Enrollment.objects.filter(guard).query
    guard_sql, guard_params = guard_query.get_compiler(connection=connection).compile(guard_query.where)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sets = [f"{quote('state')} = %s", f"{quote('review_level')} = %s", f"{quote('updated_at')} = %s"]
    values: list = [state, review_level, now]
    if clear_reason:
        sets.append(f"{quote('return_reason')} = %s")
        values.append("")
    table = quote(meta.db_table)
    sql = (f"UPDATE {table} SET {', '.join(sets)} WHERE {quote(meta.pk.column)} IN ({subquery}) "
           f"AND {guard_sql} RETURNING {quote(meta.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params, *guard_params])
        return sorted(row[0] for row in cursor.fetchall())


def _tell(ids: list[int], **facts) -> None:
    """Tell the teachers of these enrollments that `facts["level"]` passed them on."""
    for start in range(0, len(ids), 2000):
        chunk = Enrollment.objects.filter(pk__in=ids[start:start + 2000]).select_related("teacher__user")
        notices.completion_moved(chunk, **facts)


def _record(*, actor, level: str, action: str, ids: list[int], program: Program, audit_action: str,
            reason: str = "", scope_path: str = "") -> None:
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    insert_rows(ReviewDecision, ("enrollment_id", "level", "action", "reason", "actor_id", "at"),
                [(pk, level, action, reason, actor_id, now) for pk in ids])
    audit(actor=actor, action=audit_action, object_type="program", object_id=str(program.pk),
          scope_path=scope_path, level=level, count=len(ids), ids=ids, program=program.code,
          **({"reason": reason} if reason else {}))


@transaction.atomic
def review_submit(*, actor, program: Program, selection: QuerySet[Enrollment]) -> list[int]:
    """The school submits the complete enrollments of `selection` (returned ones only when
    complete again): under review at the county, the old return reason cleared. Returns
    the ids submitted; enrollments of the selection that cannot be submitted are left."""
    paths = level_paths(actor, SCHOOL)
    if not paths:
        raise PermissionDenied
    guard = _submittable_q()
    target = review_scope(actor, SCHOOL).filter(guard, program=program, pk__in=selection.order_by().values("pk"))
    ids = _move(target, guard=guard, state=UNDER_REVIEW, review_level=COUNTY, clear_reason=True)
    if ids:
        _record(actor=actor, level=SCHOOL, action=ReviewDecision.Action.SUBMIT.value, ids=ids, program=program,
                audit_action=AuditAction.REVIEW_SUBMITTED, scope_path=paths[0])
        _tell(ids, level=SCHOOL, following=COUNTY, program=program, actor=actor)
    return ids


@transaction.atomic
def review_approve(*, actor, level: str, program: Program, selection: QuerySet[Enrollment]) -> list[int]:
    """`level` approves the enrollments of `selection` waiting for it: on to the next level,
    or approved when the province decides. Returns the ids approved; the rest of the
    selection (not at this level, outside the actor's subtree) is left as it was."""
    if level == SCHOOL or not level_paths(actor, level):
        raise PermissionDenied
    guard = Q(state=UNDER_REVIEW, review_level=level)
    target = review_scope(actor, level).filter(guard, program=program, pk__in=selection.order_by().values("pk"))
    following = NEXT_LEVEL[level]
    ids = _move(target, guard=guard, state=UNDER_REVIEW if following else EnrollmentState.APPROVED.value,
                review_level=following)
    if ids:
        _record(actor=actor, level=level, action=ReviewDecision.Action.APPROVE.value, ids=ids, program=program,
                audit_action=AuditAction.REVIEW_APPROVED, scope_path=level_paths(actor, level)[0])
        _tell(ids, level=level, following=following, program=program, actor=actor)
    return ids


def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(RETURN_REASON_REQUIRED, code="reason_required")
    if len(reason) > MAX_REASON_LENGTH:
        raise ReviewError(RETURN_REASON_TOO_LONG, code="reason_too_long")
    return reason


@transaction.atomic
def review_return(*, actor, enrollment: Enrollment, reason: str) -> Enrollment:
    """A reviewing level returns one teacher with a reason, which the school and the
    teacher see until the school resubmits. Refused (NOT_AT_YOUR_LEVEL) unless the
    enrollment waits for a level the actor reviews at, below the actor's node."""
    reason = clean_reason(reason)
    level = enrollment.review_level if enrollment.state == UNDER_REVIEW else ""
    if level not in (COUNTY, CITY, PROVINCE) or acting_level(actor, enrollment) != level:
        raise ReviewError(NOT_AT_YOUR_LEVEL, code="not_at_your_level")
    guard = Q(state=UNDER_REVIEW, review_level=level)
    now = timezone.now()
    moved = review_scope(actor, level).filter(guard, pk=enrollment.pk).update(
        state=S_RETURNED, review_level="", return_reason=reason, updated_at=now)
    if not moved:  # decided by someone else meanwhile
        raise ReviewError(NOT_AT_YOUR_LEVEL, code="not_at_your_level")
    ReviewDecision.objects.create(enrollment=enrollment, level=level, action=ReviewDecision.Action.RETURN,
                                  reason=reason, actor=actor, at=now)
    audit(actor=actor, action=AuditAction.REVIEW_RETURNED, obj=enrollment, level=level, reason=reason,
          program=enrollment.program.code if enrollment.program_id else "", teacher=enrollment.teacher_id)
    enrollment.state, enrollment.review_level, enrollment.return_reason = S_RETURNED, "", reason
    notices.completion_returned(enrollment, level=level, reason=reason, actor=actor)
    enrollment.updated_at = now
    return enrollment
