"""A program's rule set: a validated, versioned document stored with the program.

Everything that differs between 1.0, 2.0 and a province's own variants is here, so a new
variant is data, not code. `RuleSet.model_validate(doc)` refuses an invalid document with
messages that name the field; `rules_error_messages` turns them into Chinese sentences.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class OnlineRule(_Doc):
    """How online playback earns hours (anti-cheat limits)."""

    lesson_coverage: Decimal = Field(Decimal("0.95"), gt=0, le=1)
    max_playback_rate: Decimal = Field(Decimal("1.5"), ge=1, le=4)
    daily_cap_hours: Decimal = Field(Decimal("8"), gt=0, le=24)
    presence_check_every_minutes: int = Field(0, ge=0, le=240)


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

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        if any(v < 0 for v in self.min_hours.values()):
            raise ValueError("min_hours must not be negative")
        if sum(self.min_hours.values(), Decimal(0)) > self.required_hours:
            raise ValueError("the category minimums add up to more than required_hours")
        if self.yearly_quotas and sum(self.yearly_quotas.values(), Decimal(0)) > Decimal("1.0001"):
            raise ValueError("yearly_quotas add up to more than 100 %")
        if any(not (0 <= v <= 1) for v in self.yearly_quotas.values()):
            raise ValueError("each yearly quota is a share between 0 and 1")
        codes = [c.code for c in self.certificates]
        if len(set(codes)) != len(codes):
            raise ValueError("certificate codes must be unique")
        for c in self.certificates:
            missing = [r for r in c.requires_certificates if r not in codes or r == c.code]
            if missing:
                raise ValueError(f"certificate {c.code} requires unknown certificates {missing}")
        return self


def rules_error_messages(error: ValidationError) -> list[str]:
    """One line per problem, naming the field as a path ("min_hours.online: …")."""
    lines = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"]) or "rules"
        lines.append(f"{where}: {e['msg']}")
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
