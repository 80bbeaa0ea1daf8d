"""A program's rule set: a validated, versioned document stored with the program.

Everything that differs between 1.0, 2.0 and a province's own variants is here, so a new
variant is data, not code. `RuleSet.model_validate(doc)` refuses an invalid document with
messages that name the field; `rules_error_messages` turns them into Chinese sentences.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

CURRENT_VERSION = 1

Category = Literal["online", "practice", "offline", "imported"]
CATEGORIES: tuple[str, ...] = ("online", "practice", "offline", "imported")
CATEGORY_LABELS = {"online": "网络研修", "practice": "实践应用", "offline": "线下培训", "imported": "外部学时"}


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MicroAbilityRule(_Doc):
    """2.0: how many capability points a teacher must pass, across how many dimensions."""

    min_points: int = Field(3, ge=0, le=30)
    min_dimensions: int = Field(3, ge=0, le=4)
    hours_per_point: Decimal = Field(Decimal("0"), ge=0, le=100)
    allow_lower_environments: bool = True
    # How many times a teacher may submit one evidence item: a file replaced before it is
    # graded does not count, a resubmission after a 不合格 or a return does.
    max_attempts: int = Field(3, ge=1, le=10)


class OnlineRule(_Doc):
    """How online playback earns hours (anti-cheat limits)."""

    lesson_coverage: Decimal = Field(Decimal("0.95"), gt=0, le=1)
    max_playback_rate: Decimal = Field(Decimal("1.5"), ge=1, le=4)
    daily_cap_hours: Decimal = Field(Decimal("8"), gt=0, le=24)
    presence_check_every_minutes: int = Field(0, ge=0, le=240)


class ExitCarryOverRule(_Doc):
    """When the province terminates a training institution (退出) where a teacher is, what the
    teacher's unfinished courses of it still count. `completed_lessons`: the lessons they completed
    in the platform's player (watched to the lesson coverage) become online hours, at
    minutes_per_hour, rounded down to `step_hours`, never more than the course's hours, and at
    most `max_hours` a teacher for one decision (0: only the courses' hours cap them); credited
    once per teacher and course. Off: progress in the course counts for nothing."""

    completed_lessons: bool = False
    step_hours: Decimal = Field(Decimal("0.5"), gt=0, le=10)
    max_hours: Decimal = Field(Decimal("0"), ge=0, le=1000)


class CertificateRule(_Doc):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=64)
    issuers: list[Literal["institution", "teacher_college", "province"]] = Field(min_length=1)
    min_hours: dict[Category, Decimal] = Field(default_factory=dict)
    requires_certificates: list[str] = Field(default_factory=list)
    requires_completion: bool = False


class RuleSet(_Doc):
    version: Literal[1] = CURRENT_VERSION
    minutes_per_hour: int = Field(45, ge=1, le=120)
    required_hours: Decimal = Field(gt=0, le=1000)
    min_hours: dict[Category, Decimal] = Field(default_factory=dict)
    min_practice_share: Decimal = Field(Decimal("0"), ge=0, le=1)
    max_imported_hours: Decimal = Field(Decimal("0"), ge=0, le=1000)
    cycle_years: int | None = Field(None, ge=1, le=10)
    diagnostic_required: bool = False
    exempt_years_before_retirement: int | None = Field(None, ge=0, le=20)
    micro_abilities: MicroAbilityRule | None = None
    online: OnlineRule = OnlineRule()
    # Share of the province's teachers to complete in each year (e.g. {2015: 0.3, ...}).
    yearly_quotas: dict[int, Decimal] = Field(default_factory=dict)
    certificates: list[CertificateRule] = Field(default_factory=list)
    # Practice evidence is flagged for its graders when at least this share of its text is
    # found in earlier texts of other teachers (复制比).
    similarity_flag_share: Decimal = Field(Decimal("0.5"), gt=0, le=1)
    # What an exited institution's unfinished courses still count (institutions: exit).
    exit_carry_over: ExitCarryOverRule = ExitCarryOverRule()

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        # Custom error types so rules_errors_localized can say them in Chinese.
        if any(v < 0 for v in self.min_hours.values()):
            raise PydanticCustomError("min_hours_negative", "min_hours must not be negative")
        if sum(self.min_hours.values(), Decimal(0)) > self.required_hours:
            raise PydanticCustomError("min_hours_over_required",
                                      "the category minimums add up to more than required_hours")
        if any(not (0 <= v <= 1) for v in self.yearly_quotas.values()):
            raise PydanticCustomError("quota_share", "each yearly quota is a share between 0 and 1")
        if self.yearly_quotas and sum(self.yearly_quotas.values(), Decimal(0)) > Decimal("1.0001"):
            raise PydanticCustomError("quotas_over_total", "yearly_quotas add up to more than 100 %")
        codes = [c.code for c in self.certificates]
        if len(set(codes)) != len(codes):
            raise PydanticCustomError("certificate_codes", "certificate codes must be unique")
        for c in self.certificates:
            missing = [r for r in c.requires_certificates if r not in codes or r == c.code]
            if missing:
                raise PydanticCustomError("certificate_requires",
                                          "certificate {code} requires unknown certificates {missing}",
                                          {"code": c.code, "missing": ", ".join(missing)})
        return self


def rules_error_messages(error: ValidationError) -> list[str]:
    """One line per problem, naming the field as a path ("min_hours.online: …")."""
    lines = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"]) or "rules"
        lines.append(f"{where}: {e['msg']}")
    return lines


# Field names of the document as the UI calls them (English msgids, Chinese in programs.json).
FIELD_LABELS = {
    "version": gettext_noop("Rule set version"),
    "minutes_per_hour": gettext_noop("Minutes per hour of credit"),
    "required_hours": gettext_noop("Required hours"),
    "min_hours": gettext_noop("Minimum hours per category"),
    "min_practice_share": gettext_noop("Minimum practice share"),
    "max_imported_hours": gettext_noop("Cap on imported hours"),
    "cycle_years": gettext_noop("Cycle (years)"),
    "diagnostic_required": gettext_noop("Diagnostic assessment required"),
    "exempt_years_before_retirement": gettext_noop("Exempt within years of retirement"),
    "micro_abilities": gettext_noop("Micro-ability requirements"),
    "min_points": gettext_noop("Minimum capability points"),
    "min_dimensions": gettext_noop("Minimum dimensions"),
    "hours_per_point": gettext_noop("Hours per capability point"),
    "max_attempts": gettext_noop("Submissions per evidence item"),
    "online": gettext_noop("Online learning"),
    "similarity_flag_share": gettext_noop("Copied share that flags evidence"),
    "exit_carry_over": gettext_noop("Progress carried over when an institution is terminated"),
    "completed_lessons": gettext_noop("Completed lessons count"),
    "step_hours": gettext_noop("Rounded down to (hours)"),
    "max_hours": gettext_noop("At most (hours a teacher)"),
    "yearly_quotas": gettext_noop("Yearly completion quotas"),
    "certificates": gettext_noop("Certificates"),
    "code": gettext_noop("Code"),
    "name": gettext_noop("Name"),
    "issuers": gettext_noop("Issuers"),
    "requires_certificates": gettext_noop("Required certificates"),
    "requires_completion": gettext_noop("Requires completion"),
}
RULE_ERROR_AT = gettext_noop("Rule set, %(field)s: %(problem)s")
RULE_ERROR_WHOLE = gettext_noop("Rule set: %(problem)s")
# Pydantic error types → what the province office reads.
RULE_PROBLEMS = {
    "missing": gettext_noop("this field is required"),
    "extra_forbidden": gettext_noop("this is not a field of a rule set"),
    "greater_than_equal": gettext_noop("must be at least %(ge)s"),
    "greater_than": gettext_noop("must be greater than %(gt)s"),
    "less_than_equal": gettext_noop("must be at most %(le)s"),
    "less_than": gettext_noop("must be less than %(lt)s"),
    "decimal_parsing": gettext_noop("must be a number"),
    "decimal_type": gettext_noop("must be a number"),
    "int_parsing": gettext_noop("must be a whole number"),
    "int_type": gettext_noop("must be a whole number"),
    "int_from_float": gettext_noop("must be a whole number"),
    "bool_parsing": gettext_noop("must be yes or no"),
    "literal_error": gettext_noop("must be one of %(expected)s"),
    "string_too_short": gettext_noop("must not be empty"),
    "string_too_long": gettext_noop("is too long (at most %(max_length)s characters)"),
    "string_pattern_mismatch": gettext_noop("may contain only lower-case letters, digits and _"),
    "too_short": gettext_noop("needs at least %(min_length)s entries"),
    "dict_type": gettext_noop("must be a table of values"),
    "list_type": gettext_noop("must be a list"),
    "model_type": gettext_noop("must be a table of values"),
    "min_hours_negative": gettext_noop("minimum hours must not be negative"),
    "min_hours_over_required": gettext_noop("the category minimums add up to more than the required hours"),
    "quota_share": gettext_noop("each yearly quota is a share between 0 and 100 %"),
    "quotas_over_total": gettext_noop("the yearly quotas add up to more than 100 %"),
    "certificate_codes": gettext_noop("certificate codes must be unique"),
    "certificate_requires": gettext_noop("certificate %(code)s requires unknown certificates: %(missing)s"),
}
RULE_PROBLEM_OTHER = gettext_noop("is not valid (%(detail)s)")
# The whole-document checks name the field they are about.
_CHECK_FIELDS = {
    "min_hours_negative": "min_hours", "min_hours_over_required": "min_hours", "quota_share": "yearly_quotas",
    "quotas_over_total": "yearly_quotas", "certificate_codes": "certificates", "certificate_requires": "certificates",
}


def _field_label(loc: tuple) -> str:
    parts = []
    for p in loc:
        if isinstance(p, int):
            parts.append(_("item %(n)s") % {"n": p + 1})
        elif p in FIELD_LABELS:
            parts.append(f"{_(FIELD_LABELS[p])}（{p}）")
        elif p in CATEGORY_LABELS:
            parts.append(CATEGORY_LABELS[p])
        elif p == "[key]":
            continue
        else:
            parts.append(str(p))
    return " · ".join(parts)


def rules_errors_localized(error: ValidationError) -> list[str]:
    """One sentence per problem in the active language, naming the field in words and by
    its key ("规则集，最低实践占比（min_practice_share）：不能大于 1")."""
    lines = []
    for e in error.errors():
        template = RULE_PROBLEMS.get(e["type"])
        ctx = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in (e.get("ctx") or {}).items()}
        if template is None:
            problem = _(RULE_PROBLEM_OTHER) % {"detail": e["msg"]}
        else:
            try:
                problem = _(template) % ctx
            except (KeyError, TypeError, ValueError):
                problem = _(template)
        loc = tuple(e["loc"]) or ((_CHECK_FIELDS[e["type"]],) if e["type"] in _CHECK_FIELDS else ())
        if loc:
            lines.append(_(RULE_ERROR_AT) % {"field": _field_label(loc), "problem": problem})
        else:
            lines.append(_(RULE_ERROR_WHOLE) % {"problem": problem})
    return lines


FUJIAN_2015 = {
    "version": 1,
    "minutes_per_hour": 45,
    "required_hours": "80",
    "min_hours": {"online": "50", "practice": "30"},
    "min_practice_share": "0",
    "max_imported_hours": "0",
    "cycle_years": None,
    "diagnostic_required": True,
    "exempt_years_before_retirement": 5,
    "micro_abilities": None,
    "yearly_quotas": {},
    "certificates": [
        {"code": "online", "name": "网络培训合格证明", "issuers": ["institution"], "min_hours": {"online": "50"}},
        {"code": "practice", "name": "网络研修与教学实践合格证明", "issuers": ["institution", "teacher_college"],
         "min_hours": {"practice": "30"}},
        {"code": "completion", "name": "福建省中小学教师信息技术应用能力提升工程培训结业证书", "issuers": ["province"],
         "requires_certificates": ["online", "practice"], "requires_completion": True},
    ],
}

MOE_2019 = {
    "version": 1,
    "minutes_per_hour": 45,
    "required_hours": "50",
    "min_hours": {},
    "min_practice_share": "0.5",
    "max_imported_hours": "10",
    "cycle_years": 5,
    "diagnostic_required": False,
    "exempt_years_before_retirement": None,
    "micro_abilities": {"min_points": 3, "min_dimensions": 3, "hours_per_point": "5"},
    "yearly_quotas": {},
    "certificates": [
        {"code": "completion", "name": "中小学教师信息技术应用能力提升工程2.0培训合格证书", "issuers": ["province"],
         "requires_completion": True},
    ],
}

PRESETS: dict[str, tuple[str, dict]] = {
    "fujian_2015": ("福建省中小学教师信息技术应用能力提升工程（2015—2017）", FUJIAN_2015),
    "moe_2019": ("提升工程2.0", MOE_2019),
}


def _hours(value: Decimal) -> str:
    return _("%(hours)s hours") % {"hours": f"{value.normalize():f}"}


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f} %"


def ruleset_summary(rs: RuleSet) -> list[tuple[str, str]]:
    """The rule set as (label, value) lines a province office reads (the detail page)."""
    yes, no = _("yes"), _("no")
    lines = [
        (_(FIELD_LABELS["required_hours"]), _hours(rs.required_hours)),
        (_(FIELD_LABELS["minutes_per_hour"]), _("%(minutes)s minutes") % {"minutes": rs.minutes_per_hour}),
        (_(FIELD_LABELS["min_hours"]), "；".join(f"{CATEGORY_LABELS[c]} {_hours(h)}" for c, h in rs.min_hours.items())
         or _("none")),
        (_(FIELD_LABELS["min_practice_share"]), _percent(rs.min_practice_share) if rs.min_practice_share else _("none")),
        (_(FIELD_LABELS["max_imported_hours"]), _hours(rs.max_imported_hours) if rs.max_imported_hours
         else _("not accepted")),
        (_(FIELD_LABELS["cycle_years"]), _("%(years)s years") % {"years": rs.cycle_years} if rs.cycle_years
         else _("none")),
        (_(FIELD_LABELS["diagnostic_required"]), yes if rs.diagnostic_required else no),
        (_(FIELD_LABELS["exempt_years_before_retirement"]),
         _("fewer than %(years)s years to statutory retirement") % {"years": rs.exempt_years_before_retirement}
         if rs.exempt_years_before_retirement else _("none")),
    ]
    if rs.micro_abilities:
        lines.append((_(FIELD_LABELS["micro_abilities"]),
                      _("at least %(points)s capability points in at least %(dimensions)s dimensions")
                      % {"points": rs.micro_abilities.min_points, "dimensions": rs.micro_abilities.min_dimensions}))
        lines.append((_(FIELD_LABELS["max_attempts"]),
                      _("at most %(n)s per item (a 不合格 or returned item may be resubmitted)")
                      % {"n": rs.micro_abilities.max_attempts}))
    carry = rs.exit_carry_over
    if carry.completed_lessons:
        lines.append((_(FIELD_LABELS["exit_carry_over"]),
                      _("the lessons completed count as online hours, rounded down to %(step)s, %(cap)s")
                      % {"step": _hours(carry.step_hours),
                         "cap": _("at most %(hours)s a teacher") % {"hours": _hours(carry.max_hours)}
                         if carry.max_hours else _("at most the course's hours")}))
    else:
        lines.append((_(FIELD_LABELS["exit_carry_over"]), _("none")))
    if rs.yearly_quotas:
        lines.append((_(FIELD_LABELS["yearly_quotas"]),
                      "；".join(f"{year}：{_percent(share)}" for year, share in sorted(rs.yearly_quotas.items()))))
    return lines


def certificate_summary(c: CertificateRule, names: dict[str, str] | None = None) -> str:
    """What a certificate needs, in words (the detail page's certificate table); `names` maps
    the rule set's certificate codes to the names people know them by."""
    names = names or {}
    parts = [f"{CATEGORY_LABELS[cat]} {_hours(h)}" for cat, h in c.min_hours.items()]
    if c.requires_certificates:
        parts.append(_("after %(codes)s") % {"codes": "、".join(names.get(r, r) for r in c.requires_certificates)})
    if c.requires_completion:
        parts.append(_("on completion"))
    return "；".join(parts)


ISSUER_LABELS = {
    "institution": gettext_noop("Training institution"),
    "teacher_college": gettext_noop("Teacher college"),
    "province": gettext_noop("Province office"),
}


def yearly_quotas_parse(text: str) -> dict[int, Decimal]:
    """"2015: 30 %" lines (also "2015 30" or "2015=30%") → {2015: Decimal("0.3")}.
    Raises ValueError naming the line that cannot be read."""
    quotas: dict[int, Decimal] = {}
    for raw in text.replace("，", "\n").replace(",", "\n").replace("；", "\n").splitlines():
        line = raw.strip().replace("：", ":").replace("％", "%")
        if not line:
            continue
        for sep in (":", "=", " "):
            if sep in line:
                year, _sep, value = line.partition(sep)
                break
        else:
            raise ValueError(line)
        try:
            quotas[int(year.strip())] = Decimal(value.strip().rstrip("%").strip()) / 100
        except (ArithmeticError, ValueError) as exc:
            raise ValueError(line) from exc
    return quotas


def yearly_quotas_text(quotas: dict[int, Decimal]) -> str:
    return "\n".join(f"{year}: {(Decimal(share) * 100).normalize():f}%" for year, share in sorted(quotas.items()))
