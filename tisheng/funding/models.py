"""Funding (经费): rates, budgets and settlement statements (结算单) with training institutions.

- `FundingRate`: what a program pays, as data with versions: the notice's 3 元/学时·人 for
  full-staff online training, the cap of paid online hours per teacher (50 for the 2015 rules),
  the rural-teacher subsidy (乡村教师奖补, per rural teacher or per hour) and which budget source
  each is charged to. Kept here rather than in the program's rule set: the rule set is about
  completion and changes with the program, a rate changes with the finance year, and every
  confirmed statement must keep pointing at the exact rate version it was computed with.
- `BudgetLine`: money an office (province, city, county) or a school sets aside for a year,
  from one source. Additive like the ledger: a correction is another line with a negative amount.
- `Statement` + `StatementLine` + `StatementTeacher`: what one paying office owes one
  institution for one period, computed from the hours ledger (services/settlement.py). Once
  confirmed the database refuses UPDATE and DELETE of the statement and its lines (migration
  0002); a later reversal lands as an adjustment line in the next period's statement.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Source(models.TextChoices):
    SPECIAL = "special", pgettext_lazy("budget source", "Special fund")  # 专项经费
    CONTINUING_EDUCATION = "continuing", pgettext_lazy("budget source", "Continuing-education fund")  # 继续教育经费
    NATIONAL = "national", pgettext_lazy("budget source", "National training program")  # 国培
    SCHOOL = "school", pgettext_lazy("budget source", "School annual budget")  # 学校年度预算


class RuralMode(models.TextChoices):
    NONE = "none", pgettext_lazy("rural subsidy", "None")
    PER_TEACHER = "per_teacher", pgettext_lazy("rural subsidy", "Per rural teacher")
    PER_HOUR = "per_hour", pgettext_lazy("rural subsidy", "Per paid hour")


class FundingRate(models.Model):
    """One version of a program's rates, in force from `effective_from` (a statement uses the
    latest version in force at its period's start)."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="funding_rates")
    effective_from = models.DateField(_("in force from"))
    online_rate = models.DecimalField(_("rate per hour per teacher (yuan)"), max_digits=8, decimal_places=2)
    paid_hours_cap = models.DecimalField(_("paid online hours per teacher"), max_digits=6, decimal_places=1)
    online_source = models.CharField(max_length=16, choices=Source.choices, default=Source.CONTINUING_EDUCATION)
    rural_mode = models.CharField(max_length=16, choices=RuralMode.choices, default=RuralMode.NONE)
    rural_amount = models.DecimalField(_("rural subsidy (yuan)"), max_digits=8, decimal_places=2, default=0)
    rural_source = models.CharField(max_length=16, choices=Source.choices, default=Source.SPECIAL)
    note = models.CharField(_("basis"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "-effective_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["program", "effective_from"], name="one_rate_per_day")]

    def __str__(self) -> str:
        return f"{self.program_id} {self.online_rate}/h from {self.effective_from}"


class BudgetLine(models.Model):
    """Money set aside by one level for a year from one source. `path` is the node's path
    (a region's or a school's), so an office sees the lines of its own subtree."""

    region = models.ForeignKey("orgs.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=96, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    purpose = models.CharField(_("purpose"), max_length=128)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path_field = "path"
    scope_view_capability = "funding.view"

    class Meta:
        ordering = ["year", "path", "source", "id"]
        indexes = [models.Index(fields=["path", "year"], name="budget_by_node_year")]
        constraints = [models.CheckConstraint(condition=models.Q(region__isnull=False) ^ models.Q(school__isnull=False),
                                              name="budget_one_node")]

    def __str__(self) -> str:
        return f"{self.path} {self.year} {self.source} {self.amount}"


class Statement(models.Model):
    """结算单: what `region`'s office owes `institution` for the online hours its courses
    credited to the teachers that office pays for, in [period_start, period_end]."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("statement state", "Drafted")
        CHECKED = "checked", pgettext_lazy("statement state", "Checked by institution")
        DISPUTED = "disputed", pgettext_lazy("statement state", "Disputed")
        CONFIRMED = "confirmed", pgettext_lazy("statement state", "Confirmed")

    number = models.CharField(max_length=40, unique=True)
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")  # the paying office
    region_path = models.CharField(max_length=64, db_index=True)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    rate = models.ForeignKey(FundingRate, on_delete=models.PROTECT, related_name="statements")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT, db_index=True)
    teachers = models.PositiveIntegerField(default=0)
    paid_hours = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # payable to the institution
    rural_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # listed separately
    computed_at = models.DateTimeField(default=timezone.now)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    dispute_comment = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "region_path"
    scope_view_capability = "funding.view"

    class Meta:
        ordering = ["-period_start", "institution_id", "region_path"]
        indexes = [models.Index(fields=["institution", "period_start"], name="statement_by_institution")]
        constraints = [models.UniqueConstraint(fields=["program", "institution", "region", "period_start"],
                                               name="one_statement_per_period")]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self):
        return self.amount + self.rural_amount


class LineKind(models.TextChoices):
    ONLINE = "online", pgettext_lazy("statement line", "Online training hours")
    ADJUSTMENT = "adjustment", pgettext_lazy("statement line", "Adjustment for earlier periods")
    RURAL = "rural", pgettext_lazy("statement line", "Rural teacher subsidy")


class StatementLine(models.Model):
    """One figure of a statement with its derivation (quantity × unit price = amount)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=16, choices=LineKind.choices)
    teachers = models.PositiveIntegerField(default=0)
    credited_hours = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=0)  # paid hours, or rural teachers
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=16, choices=Source.choices)
    derivation = models.CharField(max_length=255)

    class Meta:
        ordering = ["statement", "id"]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.kind} {self.amount}"


class StatementTeacher(models.Model):
    """A teacher's figures in a statement: the detail sheet an auditor checks line by line."""

    # No foreign-key constraints in the database for these two (Django still refuses to delete a
    # teacher or a statement with rows: PROTECT): the rows are written by one INSERT … SELECT that
    # joins the statements just created and people_teacher, so each reference exists by
    # construction, and PostgreSQL's per-row key checks (one FOR KEY SHARE look-up per row and
    # key) cost as much as computing the whole settlement (bench_funding: 0.9 of 3.2 s at 20k
    # teachers). The statement's index is the unique constraint's (statement, teacher).
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="teacher_rows",
                                  db_constraint=False, db_index=False)
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    org_path = models.CharField(max_length=96)
    is_rural = models.BooleanField(default=False)
    credited_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)  # credits in the period
    reversed_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)  # reversals of period credits
    paid_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    adjustment_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)  # reversals of earlier credits
    adjustment_paid_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    paid_before = models.DecimalField(max_digits=8, decimal_places=2, default=0)  # all institutions, before the period
    rural_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["statement", "org_path", "teacher_id"]
        constraints = [models.UniqueConstraint(fields=["statement", "teacher"], name="one_row_per_teacher")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.teacher_id} {self.paid_hours}"
