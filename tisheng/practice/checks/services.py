"""County spot checks (抽检) of passed practice points.

The county office draws a share (default 10 %) of each school's passed points in a program,
with a recorded seed, so the same draw can be made again from the same results; it assigns
reviewers: the county's trainer pool first (培训团队, `reviewer_pool`; a trainer assigned gets the
expert role over the county), and the reviewers of the teacher college serving the county (the
only ones where the pool is empty); each reviewer is told, and confirms or fails each item
assigned to them. A failed item is returned to the school (practice.services
point_result_return reverses its hours); when a school's failures exceed the threshold
(default 30 % of its sampled items) every passed result of the school in the program is
returned for re-assessment. Everything is audited.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import RoleAssignment, User
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.services import audit
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import path_in_scope
from tisheng.practice.checks.models import SpotCheck, SpotCheckItem, SpotCheckSchoolReturn
from tisheng.practice.checks.reviewer_pool import grant_pool_reviewer, pool_reviewers
from tisheng.practice.models import Grade, PointResult
from tisheng.programs.models import Program

DEFAULT_SHARE = Decimal("0.10")
DEFAULT_FAIL_THRESHOLD = Decimal("0.30")

NOT_A_COUNTY = _("Spot checks are drawn for one county.")
SHARE_INVALID = _("The sample share must be more than 0 % and at most 100 %.")
THRESHOLD_INVALID = _("The failure threshold must be between 0 % and 100 %.")
NOTHING_TO_DRAW = _("No school in this county has passed points in this program yet.")
REVIEWER_NOT_ELIGIBLE = _("%(name)s is neither in this county's trainer pool nor a reviewer of a teacher college "
                          "serving it.")
ASSIGNED_TITLE = _("Spot-check items to review: %(count)s")
ASSIGNED_BODY = _("The %(county)s office assigned you %(count)s practice points of its spot check %(number)s "
                  "to confirm or fail.")
REVIEWERS_REQUIRED = _("Choose at least one reviewer.")
NOT_ASSIGNED = _("This item is not assigned to you.")
ALREADY_CHECKED = _("This item has already been checked.")
OUTCOME_INVALID = _("Choose whether the point is confirmed or failed.")
FAIL_REASON_REQUIRED = _("Give the reasons why the point fails the check.")
CHECK_CLOSED = _("This spot check is closed.")
# Stored on the returned results and in the ledger's reversal rows.
RETURN_REASON = _("Failed in the county spot check: %(reason)s")
SCHOOL_RETURN_REASON = _("The school's failures in the county spot check exceed %(threshold)s %%; "
                         "all its results are returned for re-assessment.")


def passed_results(program: Program, path: str) -> QuerySet[PointResult]:
    """Passed points (excellent or pass, assessed) of the program at or under `path`."""
    return PointResult.objects.filter(
        Q(org_path=path) | Q(org_path__startswith=path + "/"), program=program,
        status=PointResult.Status.ASSESSED, result__in=(Grade.EXCELLENT, Grade.PASS))


def spot_check_sample(program: Program, region_path: str, share: Decimal, seed: int) -> tuple[list[int], int]:
    """The draw: for each school (in path order), ceil(share × its passed points) results
    chosen with one random generator seeded by `seed`. Returns (result ids, population)."""
    by_school: dict[str, list[int]] = defaultdict(list)
    for pk, org_path in passed_results(program, region_path).order_by("org_path", "pk").values_list("pk", "org_path"):
        by_school[org_path].append(pk)
    rng = random.Random(seed)
    chosen: list[int] = []
    population = 0
    for org_path in sorted(by_school):
        ids = by_school[org_path]
        population += len(ids)
        k = min(len(ids), math.ceil(len(ids) * Decimal(share)))
        chosen.extend(sorted(rng.sample(ids, k)))
    return chosen, population


def _fraction(value, message, *, low: Decimal, high: Decimal, low_open: bool) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(message) from None
    if not number.is_finite() or number > high or number < low or (low_open and number == low):
        raise ValidationError(message)
    return number.quantize(Decimal("0.001"))


def ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def eligible_reviewers(region: Region) -> QuerySet[User]:
    """Users holding the teacher-college role over the county: at the county or a region
    above it, or at a teacher college whose region covers it."""
    ancestors = ancestor_paths(region.path)
    assignments = RoleAssignment.objects.filter(
        Q(region__path__in=ancestors) | Q(organization__kind="teacher_college", organization__region__path__in=ancestors),
        role=Role.TEACHER_COLLEGE)
    return User.objects.filter(pk__in=assignments.values("user_id"), is_active=True).order_by("name", "pk")


def offered_reviewers(region: Region) -> list[tuple[User, bool]]:
    """The reviewers the county office may assign, each with whether they come from the county's
    trainer pool: the pool's trainers first, then the teacher college's reviewers (all of them
    when the pool is empty). Two queries (plus one per registered pool source)."""
    pool = pool_reviewers(region)
    in_pool = {u.pk for u in pool}
    return [(u, True) for u in pool] + [(u, False) for u in eligible_reviewers(region) if u.pk not in in_pool]


@transaction.atomic
def spot_check_draw(*, actor, program: Program, region: Region, share=DEFAULT_SHARE,
                    fail_threshold=DEFAULT_FAIL_THRESHOLD, seed: int | None = None) -> SpotCheck:
    """Draw a spot check for a county and record it with its seed."""
    if not path_in_scope(actor, Cap.PRACTICE_SPOT_CHECK, region.path):
        raise PermissionDenied
    if region.level != RegionLevel.COUNTY:
        raise ValidationError(NOT_A_COUNTY)
    share = _fraction(share, SHARE_INVALID, low=Decimal(0), high=Decimal(1), low_open=True)
    fail_threshold = _fraction(fail_threshold, THRESHOLD_INVALID, low=Decimal(0), high=Decimal(1), low_open=False)
    if seed is None:
        seed = secrets.randbits(62)
    ids, population = spot_check_sample(program, region.path, share, seed)
    if not ids:
        raise ValidationError(NOTHING_TO_DRAW)
    check = SpotCheck.objects.create(program=program, region=region, region_path=region.path, share=share,
                                     fail_threshold=fail_threshold, seed=seed, population=population,
                                     created_by=actor)
    rows = PointResult.objects.filter(pk__in=ids).values_list("pk", "org_path")
    paths = {path for _pk, path in rows}
    schools = dict(School.objects.filter(path__in=paths).values_list("path", "pk"))
    SpotCheckItem.objects.bulk_create(
        [SpotCheckItem(spot_check=check, result_id=pk, school_id=schools[path], org_path=path) for pk, path in rows])
    audit(actor=actor, action="practice.spot_check_draw", obj=check, program=program.code, seed=seed,
          share=str(share), fail_threshold=str(fail_threshold), population=population, sampled=len(ids))
    return check


def _require_manager(actor, check: SpotCheck) -> None:
    if not path_in_scope(actor, Cap.PRACTICE_SPOT_CHECK, check.region_path):
        raise PermissionDenied


@transaction.atomic
def spot_check_assign(*, actor, check: SpotCheck, reviewers: list[User], reassign: bool = False) -> int:
    """Share the check's unassigned, unchecked items among `reviewers`, school by school in
    turn (each school's items go to one reviewer where there are enough schools). With
    `reassign`, pending items already assigned are shared out again. Returns the count."""
    _require_manager(actor, check)
    if check.status == SpotCheck.Status.CLOSED:
        raise ValidationError(CHECK_CLOSED)
    if not reviewers:
        raise ValidationError(REVIEWERS_REQUIRED)
    offered = {u.pk: from_pool for u, from_pool in offered_reviewers(check.region)}
    for reviewer in reviewers:
        if reviewer.pk not in offered:
            raise ValidationError(REVIEWER_NOT_ELIGIBLE % {"name": reviewer.name})
    items = check.items.filter(outcome=SpotCheckItem.Outcome.PENDING)
    if not reassign:
        items = items.filter(reviewer__isnull=True)
    by_school: dict[int, list[int]] = defaultdict(list)
    for pk, school_id in items.order_by("org_path", "pk").values_list("pk", "school_id"):
        by_school[school_id].append(pk)
    shares: dict[int, list[int]] = defaultdict(list)
    for turn, school_id in enumerate(by_school):
        shares[reviewers[turn % len(reviewers)].pk].extend(by_school[school_id])
    for reviewer_id, ids in shares.items():
        SpotCheckItem.objects.filter(pk__in=ids).update(reviewer_id=reviewer_id)
    assigned = sum(len(ids) for ids in shares.values())
    by_pk = {r.pk: r for r in reviewers}
    for reviewer_id in shares:
        if offered[reviewer_id]:  # a pool trainer: the teacher role reviews nothing
            grant_pool_reviewer(actor=actor, user=by_pk[reviewer_id], region=check.region)
    url = reverse("practice:checks_review_list")
    notify_many(Message(to=by_pk[pk], kind=Kind.OTHER, url=url,
                        title=(gettext(ASSIGNED_TITLE) % {"count": len(ids)})[:128],
                        body=gettext(ASSIGNED_BODY) % {"county": check.region.name, "count": len(ids),
                                                       "number": check.pk})
                for pk, ids in shares.items())
    audit(actor=actor, action="practice.spot_check_assign", obj=check, assigned=assigned,
          reviewers=[r.pk for r in reviewers], from_pool=[pk for pk in shares if offered[pk]])
    return assigned


@transaction.atomic
def spot_check_item_decide(*, actor, item: SpotCheckItem, outcome: str, reason: str = "") -> SpotCheckItem:
    """The assigned reviewer's verdict. A failure returns the point (its hours reversed);
    past the school's threshold every passed result of the school is returned."""
    item = SpotCheckItem.objects.select_for_update().select_related("spot_check", "result").get(pk=item.pk)
    if item.reviewer_id != actor.pk or not path_in_scope(actor, Cap.PRACTICE_SPOT_REVIEW, item.org_path):
        raise PermissionDenied(NOT_ASSIGNED)
    if item.spot_check.status == SpotCheck.Status.CLOSED:
        raise ValidationError(CHECK_CLOSED)
    if item.outcome != SpotCheckItem.Outcome.PENDING:
        raise ValidationError(ALREADY_CHECKED)
    if outcome not in (SpotCheckItem.Outcome.CONFIRMED, SpotCheckItem.Outcome.FAILED):
        raise ValidationError(OUTCOME_INVALID)
    reason = (reason or "").strip()
    if outcome == SpotCheckItem.Outcome.FAILED and not reason:
        raise ValidationError(FAIL_REASON_REQUIRED)
    item.outcome, item.reason, item.decided_at = outcome, reason, timezone.now()
    item.save(update_fields=["outcome", "reason", "decided_at"])
    audit(actor=actor, action="practice.spot_check_item", obj=item, outcome=outcome, reason=reason[:255],
          result=item.result_id)
    if outcome == SpotCheckItem.Outcome.FAILED:
        from tisheng.practice.services import point_result_return

        if item.result.status == PointResult.Status.ASSESSED:
            point_result_return(item.result, actor=actor, reason=gettext(RETURN_REASON) % {"reason": reason},
                                notice=Kind.SPOT_CHECK_REVERSED)
        _school_threshold(actor, item.spot_check, item.school_id)
    return item


def _school_threshold(actor, check: SpotCheck, school_id: int) -> SpotCheckSchoolReturn | None:
    counts = check.items.filter(school_id=school_id).aggregate(
        sampled=Count("pk"), failed=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.FAILED)))
    if not counts["sampled"] or Decimal(counts["failed"]) / counts["sampled"] <= check.fail_threshold:
        return None
    if SpotCheckSchoolReturn.objects.filter(spot_check=check, school_id=school_id).exists():
        return None
    from tisheng.practice.services import point_result_return

    school = School.objects.get(pk=school_id)
    reason = gettext(SCHOOL_RETURN_REASON) % {"threshold": f"{check.fail_threshold * 100:g}"}
    returned = 0
    for result in passed_results(check.program, school.path).filter(org_path=school.path).order_by("pk"):
        point_result_return(result, actor=actor, reason=reason, notice=Kind.SPOT_CHECK_REVERSED)
        returned += 1
    row = SpotCheckSchoolReturn.objects.create(spot_check=check, school=school, failed=counts["failed"],
                                               sampled=counts["sampled"], returned=returned)
    audit(actor=actor, action="practice.spot_school_return", obj=check, scope_path=school.path,
          school=school.code, failed=counts["failed"], sampled=counts["sampled"], returned=returned)
    return row


@transaction.atomic
def spot_check_close(*, actor, check: SpotCheck) -> SpotCheck:
    _require_manager(actor, check)
    check.status = SpotCheck.Status.CLOSED
    check.save(update_fields=["status"])
    audit(actor=actor, action="practice.spot_check_close", obj=check)
    return check
