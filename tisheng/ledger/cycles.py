"""Continuing-education cycles as data: the province office sets them (the MOE default is 360
学时 in 5 years) with minimums per level, per category and per year. A form and one write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tisheng.accounts.services import audit
from tisheng.ledger.models import HoursCycle
from tisheng.ledger.registry import CATEGORY_LABELS, LEVEL_LABELS
from tisheng.orgs.models import Region

CYCLE_ENDS_BEFORE_START = _("The cycle must end after it starts.")
CYCLE_LEVEL_MINIMUMS_OVER = _("The minimums per level add up to more than the cycle's required hours.")
CYCLE_CATEGORY_MINIMUMS_OVER = _("The minimums per category add up to more than the cycle's required hours.")
CYCLE_YEARLY_OVER = _("The yearly minimum over the cycle's years adds up to more than its required hours.")

MOE_DEFAULT_HOURS = Decimal("360")
MOE_DEFAULT_YEARS = 5


def _hours_field(label: str, initial: str = "0") -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_value=2000, decimal_places=2, max_digits=6,
                              initial=Decimal(initial), required=False)


class CycleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))
    required_hours = forms.DecimalField(label=pgettext_lazy("cycle", "Required hours"), min_value=1, max_value=2000, decimal_places=2,
                                        max_digits=6, initial=MOE_DEFAULT_HOURS)
    min_hours_per_year = _hours_field(_("Minimum hours per year"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in LEVEL_LABELS.items():
            self.fields[f"level_{code}"] = _hours_field(label)
        for code, label in CATEGORY_LABELS.items():
            self.fields[f"category_{code}"] = _hours_field(label)

    def level_fields(self):
        return [self[f"level_{code}"] for code in LEVEL_LABELS]

    def category_fields(self):
        return [self[f"category_{code}"] for code in CATEGORY_LABELS]

    @classmethod
    def for_cycle(cls, cycle: HoursCycle | None, data=None) -> CycleForm:
        if cycle is None:
            today = timezone.localdate()
            start = dt.date(today.year, 1, 1)
            initial = {"name": f"{start.year}—{start.year + MOE_DEFAULT_YEARS - 1} 年继续教育周期",
                       "start_date": start, "end_date": dt.date(start.year + MOE_DEFAULT_YEARS - 1, 12, 31)}
        else:
            initial = {"name": cycle.name, "start_date": cycle.start_date, "end_date": cycle.end_date,
                       "required_hours": cycle.required_hours, "min_hours_per_year": cycle.min_hours_per_year}
            initial |= {f"level_{k}": Decimal(str(v)) for k, v in (cycle.min_by_level or {}).items()}
            initial |= {f"category_{k}": Decimal(str(v)) for k, v in (cycle.min_by_category or {}).items()}
        return cls(data, initial=initial)

    def clean(self):
        data = super().clean()
        start, end, required = data.get("start_date"), data.get("end_date"), data.get("required_hours")
        if start and end and end <= start:
            raise ValidationError(CYCLE_ENDS_BEFORE_START)
        if required is None:
            return data
        levels = sum((data.get(f"level_{c}") or 0 for c in LEVEL_LABELS), Decimal(0))
        categories = sum((data.get(f"category_{c}") or 0 for c in CATEGORY_LABELS), Decimal(0))
        if levels > required:
            raise ValidationError(CYCLE_LEVEL_MINIMUMS_OVER)
        if categories > required:
            raise ValidationError(CYCLE_CATEGORY_MINIMUMS_OVER)
        if start and end and (data.get("min_hours_per_year") or 0) * (end.year - start.year + 1) > required:
            raise ValidationError(CYCLE_YEARLY_OVER)
        return data


def _minimums(data: dict, prefix: str, codes) -> dict[str, str]:
    return {c: f"{data[f'{prefix}_{c}']:f}" for c in codes if data.get(f"{prefix}_{c}")}


def cycle_save(*, actor, region: Region, data: dict, cycle: HoursCycle | None = None) -> HoursCycle:
    """Create or change a cycle of `region` from a valid CycleForm's cleaned data."""
    with transaction.atomic():
        created = cycle is None
        cycle = cycle or HoursCycle(region=region, region_path=region.path, created_by=actor)
        cycle.name = data["name"]
        cycle.start_date, cycle.end_date = data["start_date"], data["end_date"]
        cycle.required_hours = data["required_hours"]
        cycle.min_hours_per_year = data.get("min_hours_per_year") or 0
        cycle.min_by_level = _minimums(data, "level", LEVEL_LABELS)
        cycle.min_by_category = _minimums(data, "category", CATEGORY_LABELS)
        cycle.full_clean()
        cycle.save()
        audit(actor=actor, action="ledger.cycle_save", obj=cycle, created=created, name=cycle.name,
              required_hours=f"{cycle.required_hours:f}")
    return cycle


def moe_default_cycle(*, actor, region: Region, start: dt.date) -> HoursCycle:
    """The MOE rule as a cycle: 360 学时 in 5 years from `start`."""
    end = dt.date(start.year + MOE_DEFAULT_YEARS, start.month, start.day) - dt.timedelta(days=1)
    return cycle_save(actor=actor, region=region, data={
        "name": f"{start.year}—{end.year} 年继续教育周期", "start_date": start, "end_date": end,
        "required_hours": MOE_DEFAULT_HOURS, "min_hours_per_year": Decimal(0)})
