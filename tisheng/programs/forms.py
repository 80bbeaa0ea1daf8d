"""Forms of the program pages. The rule-set form has one real field per rule; its clean()
builds the document and validates it with the pydantic RuleSet, so the messages a province
office reads are the rule set's own (in Chinese, naming the field)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tisheng.core import jsonsafe
from tisheng.programs.models import Program, TrainingKind
from tisheng.programs.rules import PRESETS, yearly_quotas_parse, yearly_quotas_text
from tisheng.programs.services.programs import rules_validate

QUOTAS_UNREADABLE = _("Cannot read the yearly quota line “%(line)s”; write one year per line, e.g. 2015: 30%")
CERTIFICATES_NOT_JSON = _("The certificates are not valid JSON: %(error)s")

# "Active" is already a teacher's status (在职); a program that is active is running (进行中).
PROGRAM_STATUS_LABELS = {
    Program.Status.DRAFT: _("Draft"),
    Program.Status.ACTIVE: _("Running"),
    Program.Status.CLOSED: _("Closed"),
}

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgramFromPresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), choices=[(k, v[0]) for k, v in PRESETS.items()])
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=128, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=_DATE)
    end_date = forms.DateField(label=_("Deadline"), widget=_DATE)
    reference_date = forms.DateField(label=_("Reference date for exemptions"), widget=_DATE, required=False)


def _dec(label, required: bool = False, **kw) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=7, decimal_places=2, **kw)


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128, widget=forms.TextInput(attrs={"style": "width: 100%"}))
    status = forms.ChoiceField(label=_("Status"), choices=list(PROGRAM_STATUS_LABELS.items()))
    start_date = forms.DateField(label=_("Start date"), widget=_DATE)
    end_date = forms.DateField(label=_("Deadline"), widget=_DATE)
    reference_date = forms.DateField(label=_("Reference date for exemptions"), widget=_DATE)
    required_hours = _dec(_("Required hours"), required=True)
    minutes_per_hour = forms.IntegerField(label=_("Minutes per hour of credit"))
    min_online = _dec(_("Minimum online hours"))
    min_practice = _dec(_("Minimum practice hours"))
    min_offline = _dec(_("Minimum offline hours"))
    min_imported = _dec(_("Minimum imported hours"))
    min_practice_percent = _dec(_("Minimum practice share (%)"), max_value=100)
    max_imported_hours = _dec(_("Cap on imported hours"))
    cycle_years = forms.IntegerField(label=_("Cycle (years)"), required=False)
    diagnostic_required = forms.BooleanField(label=_("Diagnostic assessment required"), required=False)
    exempt_years = forms.IntegerField(label=_("Exempt within years of retirement"), required=False,
                                      help_text=_("Empty: nobody is exempt for age"))
    micro_min_points = forms.IntegerField(label=_("Minimum capability points"), required=False)
    micro_min_dimensions = forms.IntegerField(label=_("Minimum dimensions"), required=False)
    micro_max_attempts = forms.IntegerField(label=_("Submissions per evidence item"), required=False,
                                            min_value=1, max_value=10)
    yearly_quotas = forms.CharField(label=_("Yearly completion quotas"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2015: 30%\n2016: 50%"}),
                                    help_text=_("One year per line: the share of teachers to complete that year"))
    certificates = forms.CharField(label=_("Certificates (JSON)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 10, "style": "width: 100%; font-family: monospace"}))

    CATEGORY_FIELDS = {"online": "min_online", "practice": "min_practice", "offline": "min_offline",
                       "imported": "min_imported"}

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        self.program = program
        if not args and "data" not in kwargs:
            kwargs.setdefault("initial", self.initial_for(program))
        super().__init__(*args, **kwargs)
        self.rules: dict[str, Any] | None = None

    @classmethod
    def initial_for(cls, program: Program) -> dict[str, Any]:
        rs = program.ruleset
        initial: dict[str, Any] = {
            "name": program.name, "status": program.status, "start_date": program.start_date,
            "end_date": program.end_date, "reference_date": program.reference_date,
            "required_hours": rs.required_hours, "minutes_per_hour": rs.minutes_per_hour,
            "min_practice_percent": (rs.min_practice_share * 100).normalize() if rs.min_practice_share else None,
            "max_imported_hours": rs.max_imported_hours or None, "cycle_years": rs.cycle_years,
            "diagnostic_required": rs.diagnostic_required, "exempt_years": rs.exempt_years_before_retirement,
            "micro_min_points": rs.micro_abilities.min_points if rs.micro_abilities else None,
            "micro_min_dimensions": rs.micro_abilities.min_dimensions if rs.micro_abilities else None,
            "micro_max_attempts": rs.micro_abilities.max_attempts if rs.micro_abilities else None,
            "yearly_quotas": yearly_quotas_text(rs.yearly_quotas),
            "certificates": json.dumps([c.model_dump(mode="json", exclude_defaults=True) for c in rs.certificates],
                                       ensure_ascii=False, indent=2),
        }
        for category, field in cls.CATEGORY_FIELDS.items():
            initial[field] = rs.min_hours.get(category)
        return initial

    def clean_yearly_quotas(self) -> dict[int, Decimal]:
        try:
            return yearly_quotas_parse(self.cleaned_data.get("yearly_quotas") or "")
        except ValueError as exc:
            raise ValidationError(QUOTAS_UNREADABLE % {"line": exc.args[0]}) from exc

    def clean_certificates(self) -> list:
        text = (self.cleaned_data.get("certificates") or "").strip()
        if not text:
            return []
        try:
            return jsonsafe.loads(text)
        except jsonsafe.JSONInputError as exc:
            raise ValidationError(CERTIFICATES_NOT_JSON % {"error": exc}) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        doc = dict(self.program.rules)
        doc.update({
            "required_hours": str(data["required_hours"]),
            "minutes_per_hour": data["minutes_per_hour"],
            "min_hours": {c: str(data[f]) for c, f in self.CATEGORY_FIELDS.items() if data.get(f)},
            "min_practice_share": str((data.get("min_practice_percent") or Decimal(0)) / 100),
            "max_imported_hours": str(data.get("max_imported_hours") or 0),
            "cycle_years": data.get("cycle_years"),
            "diagnostic_required": data["diagnostic_required"],
            "exempt_years_before_retirement": data.get("exempt_years"),
            "yearly_quotas": {str(y): str(s) for y, s in data["yearly_quotas"].items()},
            "certificates": data["certificates"],
        })
        points, dimensions = data.get("micro_min_points"), data.get("micro_min_dimensions")
        if points is None and dimensions is None:
            doc["micro_abilities"] = None
        else:
            micro = dict(doc.get("micro_abilities") or {})
            micro.update({"min_points": points or 0, "min_dimensions": dimensions or 0})
            if data.get("micro_max_attempts"):
                micro["max_attempts"] = data["micro_max_attempts"]
            doc["micro_abilities"] = micro
        try:
            self.rules = rules_validate(doc)
        except ValidationError as exc:
            for message in exc.message_dict.get("rules", []):
                self.add_error(None, message)
        return data


class BatchForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    name = forms.CharField(label=_("Batch name"), max_length=64)
    counties = forms.MultipleChoiceField(label=_("Counties"),
                                         widget=forms.CheckboxSelectMultiple(attrs={"class": "county-picker"}))

    def __init__(self, *args: Any, county_choices: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counties"].choices = county_choices


class QuotaTargetForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"))
    target = forms.IntegerField(label=_("Target"), min_value=0)

    def __init__(self, *args: Any, regions: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]


class TrainingForm(forms.Form):
    region = forms.ChoiceField(label=_("Organised by"))
    kind = forms.ChoiceField(label=_("Kind"), choices=TrainingKind.choices)
    trained_on = forms.DateField(label=_("Trained on"), widget=_DATE)
    people = forms.CharField(label=_("Trainees"), widget=forms.Textarea(attrs={
        "rows": 4, "placeholder": "陈明，鼓楼第一中心小学校长\n林芳，鼓楼区教研员"}),
        help_text=_("One per line: name, then position after a comma"))

    def __init__(self, *args: Any, regions: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]

    def clean_people(self) -> list[tuple[str, str]]:
        people = []
        for line in self.cleaned_data["people"].splitlines():
            name, _sep, position = line.replace("，", ",").replace("\t", ",").partition(",")
            if name.strip():
                people.append((name.strip(), position.strip()))
        return people


class ExemptionRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
