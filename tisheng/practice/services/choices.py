"""Teachers choose capability points within their school's approved plan: the plan's
environment group (and the lower groups where the rule set allows, A < B < C), meeting the
program's min_points and min_dimensions. The shortfall is explained when saving."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from tisheng.accounts.services import audit
from tisheng.diagnostics.models import MicroAbility
from tisheng.diagnostics.topics import MICRO_DIMENSIONS
from tisheng.people.models import Teacher
from tisheng.practice.models import PointChoice, PointResult, SchoolPlan, Submission
from tisheng.practice.services.catalogue import current_versions
from tisheng.practice.services.plans import approved_plan
from tisheng.programs.models import Program

ENV_ORDER = ("A", "B", "C")

CHOICES_CLOSED = gettext_noop("Choices open once the county has approved your school's plan.")
POINT_OUTSIDE_ENVIRONMENT = gettext_noop("%(points)s are outside your school's environment group.")
POINT_HAS_EVIDENCE = gettext_noop("%(points)s already have evidence or a result and cannot be dropped.")
NOT_YOUR_RECORD = gettext_noop("You can only choose points for yourself.")


def allowed_environments(environment: str, allow_lower: bool) -> tuple[str, ...]:
    """The groups a school of `environment` may choose from."""
    index = ENV_ORDER.index(environment)
    return ENV_ORDER[: index + 1] if allow_lower else (environment,)


def choice_shortfall(points: list[MicroAbility], *, min_points: int, min_dimensions: int,
                     available_dimensions: list[str]) -> str:
    """What is missing, in the active language ("还需选择 1 个能力点，覆盖 学业评价 维度"); ''
    when the choice meets the rule."""
    covered = {p.dimension for p in points}
    missing_dims = max(min_dimensions - len(covered), 0)
    missing_points = max(min_points - len(points), missing_dims)
    if not missing_points:
        return ""
    text = ngettext("Choose %(n)s more capability point", "Choose %(n)s more capability points",
                    missing_points) % {"n": missing_points}
    if missing_dims:
        uncovered = [d for d in MICRO_DIMENSIONS if d not in covered and d in available_dimensions]
        names = "、".join(uncovered)
        if missing_dims >= len(uncovered):
            text += _(", covering the dimension %(dims)s") % {"dims": names}
        else:
            text += ngettext(", covering %(n)s more dimension of %(dims)s",
                             ", covering %(n)s more dimensions of %(dims)s", missing_dims) % {
                "n": missing_dims, "dims": names}
    return text


def choosable_points(teacher: Teacher, program: Program) -> tuple[SchoolPlan | None, list]:
    """The approved plan and the current versions of the points its environment allows."""
    plan = approved_plan(teacher.school_id, program.pk)
    if plan is None:
        return None, []
    rule = program.ruleset.micro_abilities
    groups = allowed_environments(plan.environment, rule.allow_lower_environments if rule else True)
    versions = [v for v in current_versions().values() if v.environment in groups]
    versions.sort(key=lambda v: (ENV_ORDER.index(v.environment), v.point_id))
    return plan, versions


@transaction.atomic
def choices_save(*, actor, teacher: Teacher, program: Program, point_codes: list[str]) -> list[PointChoice]:
    """Replace the teacher's choice with `point_codes`. Points already carrying evidence or a
    result stay chosen; new points are chosen at their current version."""
    if teacher.user_id is None or actor.pk != teacher.user_id:
        raise PermissionDenied(_(NOT_YOUR_RECORD))
    rule = program.ruleset.micro_abilities
    plan, versions = choosable_points(teacher, program)
    if plan is None or rule is None:
        raise ValidationError(_(CHOICES_CLOSED))
    Teacher.objects.select_for_update().filter(pk=teacher.pk).first()
    wanted = list(dict.fromkeys(point_codes))
    by_code = {v.point.code: v for v in versions}
    outside = [c for c in wanted if c not in by_code]
    if outside:
        raise ValidationError(_(POINT_OUTSIDE_ENVIRONMENT) % {"points": "、".join(outside)})
    existing = {c.point.code: c for c in PointChoice.objects.filter(program=program, teacher=teacher)
                .select_related("point")}
    dropped = [code for code in existing if code not in wanted]
    locked = set(Submission.objects.filter(program=program, teacher=teacher, task__point_version__point__code__in=dropped)
                 .values_list("task__point_version__point__code", flat=True))
    locked |= set(PointResult.objects.filter(program=program, teacher=teacher, point__code__in=dropped)
                  .values_list("point__code", flat=True))
    if locked:
        raise ValidationError(_(POINT_HAS_EVIDENCE) % {"points": "、".join(sorted(locked))})
    chosen = [by_code[c] for c in wanted]
    shortfall = choice_shortfall([v for v in chosen], min_points=rule.min_points,
                                 min_dimensions=rule.min_dimensions,
                                 available_dimensions=sorted({v.dimension for v in versions}))
    if shortfall:
        raise ValidationError(shortfall)
    PointChoice.objects.filter(program=program, teacher=teacher, point__code__in=dropped).delete()
    PointChoice.objects.bulk_create(PointChoice(program=program, teacher=teacher, point=v.point, point_version=v)
                                    for code, v in by_code.items() if code in wanted and code not in existing)
    audit(actor=actor, action="practice.choices_save", obj=teacher, object_type="teacher", scope_path=teacher.org_path,
          program=program.code, points=wanted)
    return list(PointChoice.objects.filter(program=program, teacher=teacher).select_related("point", "point_version"))
