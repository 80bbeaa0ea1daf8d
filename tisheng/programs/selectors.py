"""Reads for programs, already scoped: programs are province-wide configuration (anyone
with reports.view reads them); enrollments, exemptions and quota rows go through the
scope filter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Expression, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import has_capability, scope_filter
from tisheng.programs.models import (
    Enrollment,
    EnrollmentState,
    Exemption,
    ManagementTraining,
    Program,
    QuotaTarget,
    RolloutBatch,
)

if TYPE_CHECKING:
    from tisheng.accounts.models import User

# The Fujian notice (2015): Fuzhou, Xiamen and Quanzhou start with at least 2 counties each,
# every other city-level unit (平潭 included) with at least 1.
ROLLOUT_YEAR = 2015
ROLLOUT_MINIMUMS = {"3501": 2, "3502": 2, "3505": 2}
ROLLOUT_DEFAULT_MINIMUM = 1
ROLLOUT_SHORT = gettext_noop(
    "In %(year)s %(city)s has %(n)s counties in a batch; the notice asks for at least %(minimum)s."
)


def can_read_programs(actor: User) -> bool:
    return has_capability(actor, Cap.REPORTS_VIEW) or has_capability(actor, Cap.PROGRAMS_MANAGE)


def program_list(actor: User) -> QuerySet[Program]:
    if not can_read_programs(actor):
        raise PermissionDenied
    return Program.objects.order_by("-start_date", "code")


def get_program_for_user(actor: User, pk: int, *, manage: bool = False) -> Program:
    """The program, when the actor may read it (403 otherwise); `manage` asks for
    programs.manage. Programs are not in anyone's subtree: they are the province's."""
    if not can_read_programs(actor):
        raise PermissionDenied
    program = Program.objects.filter(pk=pk).first()
    if program is None:
        raise Http404
    if manage and not has_capability(actor, Cap.PROGRAMS_MANAGE):
        raise PermissionDenied
    return program


def batch_list(program: Program) -> list[RolloutBatch]:
    return list(program.batches.annotate(enrollment_count=Count("enrollments"))
                .prefetch_related("counties__parent").order_by("year", "pk"))


def rollout_warnings(program: Program) -> list[str]:
    """The notice's 2015 minimums, for a program running in 2015 (two queries)."""
    if not program.start_date.year <= ROLLOUT_YEAR <= program.end_date.year:
        return []
    joined = dict(
        Region.objects.filter(rollout_batches__program=program, rollout_batches__year=ROLLOUT_YEAR)
        .order_by().values_list("parent_id").annotate(n=Count("pk", distinct=True))
    )
    warnings = []
    for city in Region.objects.filter(level=RegionLevel.CITY).order_by("path"):
        minimum = ROLLOUT_MINIMUMS.get(city.code, ROLLOUT_DEFAULT_MINIMUM)
        n = joined.get(city.pk, 0)
        if n < minimum:
            warnings.append(_(ROLLOUT_SHORT) % {"year": ROLLOUT_YEAR, "city": city.name, "n": n, "minimum": minimum})
    return warnings


@dataclass
class QuotaRow:
    region: Region
    target: int
    actual: int
    management: int
    backbone: int

    @property
    def gap(self) -> int:
        return max(self.target - self.actual, 0)


def quota_table(actor: User, program: Program) -> list[QuotaRow]:
    """Target, actual and gap of the management/backbone training per organising level
    (province and city-level units in the actor's scope). Three queries whatever the size."""
    regions = list(scope_filter(Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]),
                                actor, Cap.REPORTS_VIEW).order_by("path"))
    ids = [r.pk for r in regions]
    # A target for both kinds together (kind blank) stands; otherwise the kinds add up.
    targets: dict[int, int] = {}
    overall: dict[int, int] = {}
    for region_id, kind, target in QuotaTarget.objects.filter(program=program, region_id__in=ids).values_list(
            "region_id", "kind", "target"):
        if kind:
            targets[region_id] = targets.get(region_id, 0) + target
        else:
            overall[region_id] = target
    targets.update(overall)
    actuals: dict[int, dict[str, int]] = {}
    for region_id, kind, n in (ManagementTraining.objects.filter(program=program, region_id__in=ids).order_by()
                               .values_list("region_id", "kind").annotate(n=Count("pk"))):
        actuals.setdefault(region_id, {})[kind] = n
    rows = []
    for r in regions:
        by_kind = actuals.get(r.pk, {})
        rows.append(QuotaRow(region=r, target=targets.get(r.pk, 0), actual=sum(by_kind.values()),
                             management=by_kind.get("management", 0), backbone=by_kind.get("backbone", 0)))
    return rows


def training_list(actor: User, program: Program) -> QuerySet[ManagementTraining]:
    return scope_filter(ManagementTraining.objects.filter(program=program), actor, Cap.REPORTS_VIEW).select_related(
        "region", "recorded_by")


def training_regions(actor: User) -> list[Region]:
    """Province and city-level units the actor may record training for."""
    return list(scope_filter(Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]),
                             actor, Cap.TRAINING_RECORD).order_by("path"))


def enrollment_list(actor: User, program: Program, *, state: str | None = None, q: str = "",
                    school_code: str = "") -> QuerySet[Enrollment]:
    """The program's enrollments in the actor's scope; `q` matches the teacher's name,
    `school_code` one school (a school outside the scope simply matches nothing)."""
    qs = scope_filter(Enrollment.objects.filter(program=program), actor, Cap.TEACHERS_VIEW)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(teacher__name__contains=q)
    if school_code:
        qs = qs.filter(school__code=school_code)
    return qs.select_related("teacher", "school").order_by("org_path", "teacher__name", "pk")


def enrollment_counts(actor: User, program: Program, *, school_code: str = "") -> dict[str, int]:
    """Enrollments per state in the actor's scope, or of one school in it (one grouped query)."""
    qs = scope_filter(Enrollment.objects.filter(program=program), actor, Cap.TEACHERS_VIEW)
    if school_code:
        qs = qs.filter(school__code=school_code)
    counts = dict(qs.order_by().values_list("state").annotate(n=Count("pk")))
    return {s: counts.get(s, 0) for s in EnrollmentState.values}


def exemption_queue(actor: User) -> QuerySet[Exemption]:
    """Manual exemptions waiting for a decision the actor may take."""
    return scope_filter(Exemption.objects.filter(kind=Exemption.Kind.MANUAL, state=Exemption.State.PENDING),
                        actor, Cap.EXEMPTIONS_APPROVE).select_related(
        "enrollment__teacher", "enrollment__school", "enrollment__program", "requested_by").order_by("created_at")



# Programs for a group narrower than the whole staff (a track's: principals, a training team …).
# Apps that make such programs register a callable returning a boolean expression over Program
# rows (an Exists over their own table), so programs need not import them and the picker stays
# one query; a picker lists them after the whole-staff programs.
NARROW_PROGRAMS: list[Callable[[], Expression]] = []


def register_narrow_programs(expression: Callable[[], Expression]) -> None:
    NARROW_PROGRAMS.append(expression)


def whole_staff_first(programs: QuerySet[Program]) -> list[Program]:
    """`programs` in their own order, except that narrower programs (a track's) come after the
    whole staff's: a page that defaults to the first never opens on a track. One query."""
    for n, expression in enumerate(NARROW_PROGRAMS):
        programs = programs.annotate(**{f"narrow_{n}": expression()})
    return sorted(programs, key=lambda p: any(getattr(p, f"narrow_{n}") for n in range(len(NARROW_PROGRAMS))))


def programs_active_first() -> list[Program]:
    """Every program for a page's program picker: active ones first, whole-staff programs before
    narrower ones (a track's), the newest first within each group. So neither a closed program
    added later (a past cycle's, imported for the registry) nor a new leadership track of a few
    dozen principals becomes a dashboard's default."""
    return sorted(whole_staff_first(Program.objects.order_by("-pk")), key=lambda p: p.status != Program.Status.ACTIVE)
