"""Forms of the program pages. The rule-set form has one real field per rule; its clean()
builds the document and validates it with the pydantic RuleSet, so the messages a province
office reads are the rule set's own (in Chinese, naming the field). The certificates are a
formset, one row per certificate (name, code, issuers, hours per category, the certificates
and completion it needs), added and removed on the page; the rule set's errors about a
certificate are shown on the field of its row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as RulesInvalid

from tisheng.programs.models import Program, TrainingKind
from tisheng.programs.rules import (
    CATEGORIES,
    CATEGORY_LABELS,
    ISSUER_LABELS,
    PRESETS,
    RULE_PROBLEM_OTHER,
    RULE_PROBLEMS,
    RuleSet,
    rules_errors_localized,
    yearly_quotas_parse,
    yearly_quotas_text,
)
from tisheng.programs.services.programs import rules_validate

QUOTAS_UNREADABLE = _("Cannot read the yearly quota line “%(line)s”; write one year per line, e.g. 2015: 30%")
CERTIFICATES_INVALID = _("A certificate below needs correcting: see the message beside its field.")
CERTIFICATE_CODE_TAKEN = _("Another certificate of this program already has this code.")
CERTIFICATE_REQUIRES_REMOVED = _("This certificate needs “%(name)s”, which is being removed.")

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


def _plain(value: Decimal) -> Decimal:
    """50 for 50.00 and 12.5 for 12.50: `normalize()` alone writes 50 as 5E+1, which the form
    field then shows."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


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
    # When the province terminates a training institution: what its unfinished courses still count.
    carry_completed_lessons = forms.BooleanField(
        label=_("Carry completed lessons over when an institution is terminated"), required=False,
        help_text=_("The lessons a teacher completed in an unfinished course of the terminated institution "
                    "become online hours"))
    carry_step_hours = _dec(_("Carried hours rounded down to"), help_text=_("Empty: 0.5 hours"))
    carry_max_hours = _dec(_("Carried hours at most (a teacher)"), help_text=_("Empty: the course's hours only"))

    CATEGORY_FIELDS = {"online": "min_online", "practice": "min_practice", "offline": "min_offline",
                       "imported": "min_imported"}
    # The rule set's nested fields this form edits: their errors go beside the field, not above the
    # form with the rule set's internal names.
    RULE_FIELDS = {("exit_carry_over", "step_hours"): "carry_step_hours",
                   ("exit_carry_over", "max_hours"): "carry_max_hours"}

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        self.program = program
        if not args and "data" not in kwargs:
            kwargs.setdefault("initial", self.initial_for(program))
        super().__init__(*args, **kwargs)
        self.rules: dict[str, Any] | None = None
        self.certificate_rows = certificate_formset(program, self.data if self.is_bound else None)

    @classmethod
    def initial_for(cls, program: Program) -> dict[str, Any]:
        rs = program.ruleset
        initial: dict[str, Any] = {
            "name": program.name, "status": program.status, "start_date": program.start_date,
            "end_date": program.end_date, "reference_date": program.reference_date,
            "required_hours": rs.required_hours, "minutes_per_hour": rs.minutes_per_hour,
            "min_practice_percent": _plain(rs.min_practice_share * 100) if rs.min_practice_share else None,
            "max_imported_hours": rs.max_imported_hours or None, "cycle_years": rs.cycle_years,
            "diagnostic_required": rs.diagnostic_required, "exempt_years": rs.exempt_years_before_retirement,
            "micro_min_points": rs.micro_abilities.min_points if rs.micro_abilities else None,
            "micro_min_dimensions": rs.micro_abilities.min_dimensions if rs.micro_abilities else None,
            "micro_max_attempts": rs.micro_abilities.max_attempts if rs.micro_abilities else None,
            "yearly_quotas": yearly_quotas_text(rs.yearly_quotas),
            "carry_completed_lessons": rs.exit_carry_over.completed_lessons,
            "carry_step_hours": _plain(rs.exit_carry_over.step_hours),
            "carry_max_hours": _plain(rs.exit_carry_over.max_hours) if rs.exit_carry_over.max_hours else None,
        }
        for category, field in cls.CATEGORY_FIELDS.items():
            initial[field] = rs.min_hours.get(category)
        return initial

    def clean_yearly_quotas(self) -> dict[int, Decimal]:
        try:
            return yearly_quotas_parse(self.cleaned_data.get("yearly_quotas") or "")
        except ValueError as exc:
            raise ValidationError(QUOTAS_UNREADABLE % {"line": exc.args[0]}) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rows = self.certificate_rows
        if not rows.is_valid():
            self.add_error(None, CERTIFICATES_INVALID)
        if self.errors:
            return data
        kept = rows.kept_forms()
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
            "certificates": [f.certificate() for f in kept],
        })
        carry = {"completed_lessons": bool(data.get("carry_completed_lessons")),
                 # Empty means the default; 0 is a value (refused by the rule set: it must be more).
                 "step_hours": str(Decimal("0.5") if data.get("carry_step_hours") is None else data["carry_step_hours"]),
                 "max_hours": str(data.get("carry_max_hours") or 0)}
        if carry["completed_lessons"] or "exit_carry_over" in doc:  # a rule set without it keeps its document
            doc["exit_carry_over"] = carry
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
            RuleSet.model_validate(doc)
        except RulesInvalid as exc:
            self._rule_errors(exc, kept)
            return data
        try:
            self.rules = rules_validate(doc)
        except ValidationError as exc:
            for message in exc.message_dict.get("rules", []):
                self.add_error(None, message)
        return data

    def _rule_errors(self, exc: RulesInvalid, kept: list[CertificateRuleForm]) -> None:
        """The rule set's errors: those about one certificate go beside the field of its row,
        the rest above the form (in the rule set's own words)."""
        codes = [f.cleaned_data["code"] for f in kept]  # before add_error takes a field's value away
        for e in exc.errors():
            loc = tuple(e["loc"])
            code = (e.get("ctx") or {}).get("code")
            if len(loc) >= 2 and loc[0] == "certificates" and isinstance(loc[1], int) and loc[1] < len(kept):
                kept[loc[1]].add_rule_error(loc[2:], e)
            elif e["type"] == "certificate_codes":
                for i, f in enumerate(kept):
                    if codes[i] in codes[:i]:
                        f.add_error("code", CERTIFICATE_CODE_TAKEN)
            elif e["type"] == "certificate_requires" and code in codes:
                kept[codes.index(code)].add_error("requires_certificates", rule_problem(e))
            elif loc[:2] in self.RULE_FIELDS:
                self.add_error(self.RULE_FIELDS[loc[:2]], rule_problem(e))
            else:
                self.add_error(None, rules_errors_localized(_OneError(e))[0])
        if any(f.errors for f in kept):
            self.add_error(None, CERTIFICATES_INVALID)


class _OneError:
    """One of a pydantic ValidationError's errors, for rules_errors_localized."""

    def __init__(self, error: dict) -> None:
        self.error = error

    def errors(self) -> list[dict]:
        return [self.error]


def rule_problem(e: dict) -> str:
    """What is wrong, in the rule set's words without the field's name (the field says it)."""
    template = RULE_PROBLEMS.get(e["type"])
    ctx = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in (e.get("ctx") or {}).items()}
    if template is None:
        return gettext(RULE_PROBLEM_OTHER) % {"detail": e["msg"]}
    try:
        return gettext(template) % ctx
    except (KeyError, TypeError, ValueError):
        return gettext(template)


def _hours_field(category: str) -> forms.DecimalField:
    # CATEGORY_LABELS are the rule set's Chinese names of the categories (网络研修 …).
    name = CATEGORY_LABELS[category]  # 外部学时 already ends in 学时
    return _dec(name if name.endswith("学时") else f"{name}学时",
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))


class CertificateRuleForm(forms.Form):
    """One certificate of the rule set."""

    name = forms.CharField(label=pgettext_lazy("certificate rule", "Certificate name"), max_length=64)
    code = forms.CharField(label=pgettext_lazy("certificate rule", "Short code"), max_length=32,
                           help_text=_("Lower-case letters, digits and _; how the other certificates refer to it"))
    issuers = forms.MultipleChoiceField(label=pgettext_lazy("certificate rule", "Issued by"),
                                        choices=[(k, _(v)) for k, v in ISSUER_LABELS.items()],
                                        widget=forms.CheckboxSelectMultiple)
    min_online = _hours_field("online")
    min_practice = _hours_field("practice")
    min_offline = _hours_field("offline")
    min_imported = _hours_field("imported")
    requires_certificates = forms.MultipleChoiceField(label=pgettext_lazy("certificate rule", "Needs first"),
                                                      required=False, widget=forms.CheckboxSelectMultiple)
    requires_completion = forms.BooleanField(label=pgettext_lazy("certificate rule", "Needs completion"),
                                             required=False,
                                             help_text=_("Issued only once the teacher's completion is approved"))

    HOURS_FIELDS = {c: f"min_{c}" for c in CATEGORIES}

    def __init__(self, *args: Any, others: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = (self.data.get(self.add_prefix("code")) if self.is_bound else self.initial.get("code")) or ""
        # A certificate cannot need itself: its own row does not offer it.
        self.fields["requires_certificates"].choices = [(c, n) for c, n in others if c != own.strip()]

    def certificate(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "code": d["code"].strip(), "name": d["name"].strip(), "issuers": d["issuers"],
            "min_hours": {c: str(d[f]) for c, f in self.HOURS_FIELDS.items() if d.get(f)},
            "requires_certificates": d["requires_certificates"], "requires_completion": d["requires_completion"],
        }

    def add_rule_error(self, loc: tuple, e: dict) -> None:
        field = loc[0] if loc else None
        if field == "min_hours" and len(loc) > 1 and loc[1] in self.HOURS_FIELDS:
            field = self.HOURS_FIELDS[loc[1]]
        self.add_error(field if field in self.fields else None, rule_problem(e))


class _CertificateRows(forms.BaseFormSet):
    def __init__(self, *args: Any, others: list[tuple[str, str]], **kwargs: Any) -> None:
        self.others = others
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"others": self.others}

    def kept_forms(self) -> list[CertificateRuleForm]:
        """The rows to save: neither removed nor left blank, in the page's order."""
        return [f for f in self.forms if f.is_valid() and f.cleaned_data and not self._should_delete_form(f)]

    def clean(self) -> None:
        if any(self.errors):
            return
        removed = {f.cleaned_data.get("code"): f.cleaned_data.get("name") for f in self.forms
                   if self._should_delete_form(f) and f.cleaned_data.get("code")}
        for f in self.kept_forms():
            for code in f.cleaned_data["requires_certificates"]:
                if code in removed:
                    f.add_error("requires_certificates", CERTIFICATE_REQUIRES_REMOVED % {"name": removed[code]})


CertificateRows = forms.formset_factory(CertificateRuleForm, formset=_CertificateRows, extra=1, can_delete=True,
                                        max_num=20, validate_max=True)
CERTIFICATE_PREFIX = "certificates"


def certificate_formset(program: Program, data: Any | None) -> _CertificateRows:
    """The program's certificates as rows; `data` when the page was sent. A certificate can
    need any other certificate of the program, those just added on the page included."""
    saved = program.ruleset.certificates
    initial = [{"name": c.name, "code": c.code, "issuers": list(c.issuers),
                **{f"min_{cat}": h for cat, h in c.min_hours.items()},
                "requires_certificates": list(c.requires_certificates), "requires_completion": c.requires_completion}
               for c in saved]
    others = {c.code: c.name for c in saved}
    if data is not None:
        for key, value in data.items():
            if key.startswith(f"{CERTIFICATE_PREFIX}-") and key.endswith("-code") and value.strip():
                name = data.get(key[:-len("code")] + "name", "").strip()
                others[value.strip()] = name or value.strip()
    return CertificateRows(data, initial=initial, prefix=CERTIFICATE_PREFIX, others=list(others.items()))


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
