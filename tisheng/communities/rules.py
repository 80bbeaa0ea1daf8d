"""The points→hours rule of a program (HoursRule) as the province edits it: the ledger category
of what teachers do together, the most hours assignments and workshops may earn a teacher, the
points each workshop action earns and how many points make an hour. Editing it is audited with
what changed; before saving, the office sees its effect on the activities still open (activities
already closed keep the hours they credited: the ledger is append-only)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.communities import workshop_selectors as ws
from tisheng.communities.models import HoursRule, WorkshopActivity
from tisheng.ledger.models import Category
from tisheng.orgs.scope import capability_paths

POINTS_INVALID = _("Points per action must be whole numbers from 0 to 100.")
RATE_INVALID = _("The points for one hour must be a whole number from 1 to 1,000.")
CAP_INVALID = _("A cap must be a number of hours from 0 to 100, at most one decimal.")
CATEGORY_INVALID = _("Choose one of the ledger's categories.")
PREVIEW_ACTIVITIES = 200
EXAMPLE = {"post": 2, "reply": 5, "featured": 1, "design": 1, "attendance": 1}


def _cap(value) -> Decimal:
    try:
        cap = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(CAP_INVALID) from None
    if not cap.is_finite() or cap < 0 or cap > 100 or cap != cap.quantize(Decimal("0.1")):
        raise ValidationError(CAP_INVALID)
    return cap.quantize(Decimal("0.1"))


def rule_from_form(program, data) -> HoursRule:
    """A HoursRule (unsaved) from the form's fields, or ValidationError naming what is wrong."""
    rule = ws.hours_rule(program)
    category = (data.get("category") or "").strip()
    if category not in Category.values or category == Category.IMPORTED:
        raise ValidationError(CATEGORY_INVALID)
    points = {}
    for action in HoursRule.POINT_ACTIONS:
        try:
            value = int(str(data.get(f"points-{action}", "")).strip())
        except ValueError:
            raise ValidationError(POINTS_INVALID) from None
        if not 0 <= value <= 100:
            raise ValidationError(POINTS_INVALID)
        points[action] = value
    try:
        rate = int(str(data.get("points_per_hour", "")).strip())
    except ValueError:
        raise ValidationError(RATE_INVALID) from None
    if not 1 <= rate <= 1000:
        raise ValidationError(RATE_INVALID)
    rule.category, rule.points, rule.points_per_hour = category, points, rate
    rule.workshop_cap = _cap(data.get("workshop_cap", ""))
    rule.assignment_cap = _cap(data.get("assignment_cap", ""))
    return rule


@dataclass
class Effect:
    activities: int
    participants: int
    hours_now: Decimal
    hours_new: Decimal
    example_now: tuple[int, Decimal]
    example_new: tuple[int, Decimal]


def preview(program, new: HoursRule) -> Effect:
    """What the new rule would do to the program's workshop activities still open (their
    participants' hours before each one's cap), against the rule in force; and to an example
    participant (EXAMPLE)."""
    old = ws.hours_rule(program)
    activities = list(WorkshopActivity.objects.filter(workshop__program=program, credited_at__isnull=True)
                      .order_by("-created_at")[:PREVIEW_ACTIVITIES])
    people, now, after = set(), Decimal(0), Decimal(0)
    for activity in activities:
        for user_id, counts in ws.activity_counts(activity).items():
            people.add(user_id)
            now += ws.hours_for_points(ws.points_of(counts, old), old)
            after += ws.hours_for_points(ws.points_of(counts, new), new)
    example_old, example_new = ws.points_of(EXAMPLE, old), ws.points_of(EXAMPLE, new)
    return Effect(activities=len(activities), participants=len(people), hours_now=now, hours_new=after,
                  example_now=(example_old, min(ws.hours_for_points(example_old, old), old.workshop_cap)),
                  example_new=(example_new, min(ws.hours_for_points(example_new, new), new.workshop_cap)))


def _summary(rule: HoursRule) -> dict:
    return {"category": rule.category, "points": {a: rule.points_for(a) for a in HoursRule.POINT_ACTIONS},
            "points_per_hour": rule.points_per_hour, "workshop_cap": str(rule.workshop_cap),
            "assignment_cap": str(rule.assignment_cap)}


@transaction.atomic
def hours_rule_update(*, actor, program, new: HoursRule) -> HoursRule:
    """Save the edited rule (creating the program's row the first time); audited with before and after."""
    before = _summary(ws.hours_rule(program))
    rule, _created = HoursRule.objects.select_for_update().get_or_create(program=program)
    for field in ("category", "points", "points_per_hour", "workshop_cap", "assignment_cap"):
        setattr(rule, field, getattr(new, field))
    rule.updated_by, rule.updated_at = actor, timezone.now()
    rule.full_clean(exclude=["updated_by", "program"])
    rule.save()
    audit(actor=actor, action="communities.hours_rule_update", object_type="program", object_id=str(program.pk),
          scope_path=(capability_paths(actor, Cap.COMMUNITIES_RULES) or [""])[0], name=program.name,
          before=before, after=_summary(rule))
    return rule
