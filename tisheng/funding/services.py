"""Writes for funding: rate versions, budget lines, and the settlement statement's lifecycle.

    drafted (by the paying office, or for every contract by the monthly job in tasks.py)
      → checked by the institution (agrees, or disputes with a comment)
      → confirmed by the paying office (only a checked statement) → final

A draft or disputed statement is recomputed from the ledger by drafting it again; a confirmed one
is never touched again (the database refuses it, migration 0002): a later reversal shows up as an
adjustment line in the next period. Drafting every statement of a program's period is one SQL
pass over the ledger (settlement.py) plus bulk INSERTs. Each step is audited and tells the other
side (notifications).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap, Role
from tisheng.accounts.services import audit
from tisheng.funding.models import (
    BudgetLine,
    FundingRate,
    LineKind,
    RuralMode,
    Source,
    Statement,
    StatementLine,
    StatementTeacher,
)
from tisheng.funding.settlement import (
    ContractTotals,
    contract_totals,
    figures_build,
    figures_drop,
    teacher_rows_insert,
)
from tisheng.learning.models import Contract
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import grants_for, path_in_scope
from tisheng.programs.models import Program

CENT = Decimal("0.01")

RATE_MISSING = _("This program has no funding rate in force for the period; the province sets one first.")
RATE_INVALID = _("Enter the rate, the cap of paid hours and the subsidy as numbers of zero or more.")
RATE_DUPLICATE = _("A rate version already starts on this day.")
BUDGET_AMOUNT_INVALID = _("Enter the amount in yuan, e.g. 120000 or -5000.50 for a correction.")
BUDGET_PURPOSE_REQUIRED = _("Say what the money is for.")
BUDGET_YEAR_INVALID = _("Enter a year between 2010 and 2100.")
BUDGET_NODE_OUTSIDE = _("You can only enter budgets for your own unit and the units below it.")
PERIOD_INVALID = _("The period must start on or before its end and lie within one year.")
PERIOD_OVERLAPS = _("Another statement for this institution already covers part of this period.")
NOTHING_TO_SETTLE = _("No online hours of this institution's courses were credited to your teachers in this period.")
NOT_PAYING_OFFICE = _("Only the office that pays under this contract drafts and confirms its statements.")
STATEMENT_FINAL = _("This statement is confirmed and can no longer change.")
STATEMENT_NOT_CHECKED = _("The institution has not checked this statement yet.")
STATEMENT_NOT_OPEN = _("This statement is not waiting for the institution's check.")
DISPUTE_COMMENT_REQUIRED = _("Say what is wrong with the statement.")


def _in_site_language(func):
    """Derivations and notices are stored and read later by someone else: written in the site's
    language (Chinese) whatever language the acting officer browses in."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)
    return wrapper


def _money(value: Decimal) -> Decimal:
    """To the cent, half away from zero (四舍五入, as finance rounds; the SQL rounds the same)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _number(raw, message, *, allow_negative: bool = False) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(message) from None
    if not value.is_finite() or (value < 0 and not allow_negative) or abs(value) >= Decimal("1e12"):
        raise ValidationError(message)
    return value


# ---------------------------------------------------------------------------------------- rates

def rate_for(program: Program, day: dt.date) -> FundingRate | None:
    return FundingRate.objects.filter(program=program, effective_from__lte=day).order_by("-effective_from").first()


@transaction.atomic
def rate_set(*, actor, program: Program, effective_from: dt.date, online_rate, paid_hours_cap,
             rural_mode: str = RuralMode.NONE, rural_amount="0", online_source: str = Source.CONTINUING_EDUCATION,
             rural_source: str = Source.SPECIAL, note: str = "") -> FundingRate:
    """A new version of the program's rates from `effective_from` (statements already drafted
    keep the version they were computed with)."""
    if actor is not None and not path_in_scope(actor, Cap.FUNDING_RATES, province_path()):
        raise PermissionDenied
    rate = _number(online_rate, RATE_INVALID)
    cap = _number(paid_hours_cap, RATE_INVALID)
    rural = _number(rural_amount or "0", RATE_INVALID)
    if FundingRate.objects.filter(program=program, effective_from=effective_from).exists():
        raise ValidationError(RATE_DUPLICATE)
    row = FundingRate(program=program, effective_from=effective_from, online_rate=rate, paid_hours_cap=cap,
                      rural_mode=rural_mode, rural_amount=rural if rural_mode != RuralMode.NONE else 0,
                      online_source=online_source, rural_source=rural_source, note=note.strip()[:255],
                      created_by=actor)
    row.full_clean(exclude=["created_by"])  # None when the demo seed or a command sets the rates
    row.save()
    audit(actor=actor, action="funding.rate_set", obj=row, scope_path=province_path(), program=program.code,
          rate=str(rate), cap=str(cap), rural_mode=rural_mode, rural_amount=str(rural),
          effective_from=effective_from.isoformat())
    return row


def province_path() -> str:
    return Region.objects.filter(parent__isnull=True).values_list("path", flat=True).first() or ""


# -------------------------------------------------------------------------------------- budgets

@transaction.atomic
def budget_add(*, actor, node: Region | School, year, source: str, amount, purpose: str) -> BudgetLine:
    """A budget line of `node` (a region or a school in the actor's scope). A correction is
    another line with a negative amount; nothing is edited."""
    if not path_in_scope(actor, Cap.FUNDING_BUDGET, node.path):
        raise ValidationError(BUDGET_NODE_OUTSIDE)
    try:
        year = int(str(year).strip())
    except ValueError:
        raise ValidationError(BUDGET_YEAR_INVALID) from None
    if not 2010 <= year <= 2100:
        raise ValidationError(BUDGET_YEAR_INVALID)
    value = _number(amount, BUDGET_AMOUNT_INVALID, allow_negative=True)
    if value == 0:
        raise ValidationError(BUDGET_AMOUNT_INVALID)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(BUDGET_PURPOSE_REQUIRED)
    line = BudgetLine(region=node if isinstance(node, Region) else None,
                      school=node if isinstance(node, School) else None, path=node.path, year=year,
                      source=source, amount=_money(value), purpose=purpose[:128], created_by=actor)
    line.full_clean()
    line.save()
    audit(actor=actor, action="funding.budget_add", obj=line, year=year, source=source, amount=str(line.amount),
          purpose=line.purpose)
    return line


# ----------------------------------------------------------------------------------- statements

def is_paying_office(actor, region: Region) -> bool:
    """The actor holds a settling role at exactly this region (a higher office only views)."""
    return any(region.path in g.paths and Cap.FUNDING_SETTLE in ROLE_CAPABILITIES.get(g.role, ())
               for g in grants_for(actor))


def _check_period(start: dt.date, end: dt.date) -> None:
    if start > end or (end - start).days > 366:
        raise ValidationError(PERIOD_INVALID)


def _lines_for(statement: Statement, t: ContractTotals, rate: FundingRate) -> list[StatementLine]:
    """The statement's figure lines (with their derivation); sets its totals."""
    price, cap = rate.online_rate, rate.paid_hours_cap
    lines = [StatementLine(
        statement=statement, kind=LineKind.ONLINE, teachers=t.online_teachers, credited_hours=t.credited,
        quantity=t.paid, unit_price=price, amount=_money(t.paid * price), source=rate.online_source,
        derivation=gettext("%(credited)s hours credited (net of reversals) → %(paid)s hours paid within the cap of "
                           "%(cap)s hours per teacher × %(price)s yuan") % {
            "credited": t.credited, "paid": t.paid, "cap": cap, "price": price})]
    if t.adjustment:
        lines.append(StatementLine(
            statement=statement, kind=LineKind.ADJUSTMENT, teachers=t.adjustment_teachers,
            credited_hours=t.adjustment, quantity=t.adjustment_paid, unit_price=price,
            amount=_money(t.adjustment_paid * price), source=rate.online_source,
            derivation=gettext("%(hours)s hours credited in earlier periods reversed in this one → %(paid)s paid hours "
                               "returned × %(price)s yuan") % {
                "hours": t.adjustment, "paid": t.adjustment_paid, "price": price}))
    if rate.rural_mode == RuralMode.PER_TEACHER and t.rural_first:
        lines.append(StatementLine(
            statement=statement, kind=LineKind.RURAL, teachers=t.rural_first, quantity=t.rural_first,
            unit_price=rate.rural_amount, amount=_money(t.rural_first * rate.rural_amount), source=rate.rural_source,
            derivation=gettext("%(n)s rural teachers paid for the first time × %(amount)s yuan") % {
                "n": t.rural_first, "amount": rate.rural_amount}))
    elif rate.rural_mode == RuralMode.PER_HOUR and t.rural_hours:
        lines.append(StatementLine(
            statement=statement, kind=LineKind.RURAL, teachers=t.rural_teachers, quantity=t.rural_hours,
            unit_price=rate.rural_amount, amount=_money(t.rural_hours * rate.rural_amount), source=rate.rural_source,
            derivation=gettext("%(hours)s paid hours of rural teachers × %(amount)s yuan") % {
                "hours": t.rural_hours, "amount": rate.rural_amount}))
    statement.teachers = t.teachers
    statement.paid_hours = t.paid + t.adjustment_paid
    statement.amount = sum((ln.amount for ln in lines if ln.kind != LineKind.RURAL), Decimal(0))
    statement.rural_amount = sum((ln.amount for ln in lines if ln.kind == LineKind.RURAL), Decimal(0))
    return lines


def _users_of(*, organization_id: int | None = None, region_id: int | None = None) -> list:
    q = Q(organization_id=organization_id, role=Role.INSTITUTION) if organization_id else Q(
        region_id=region_id, role__in=[Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE])
    assignments = RoleAssignment.objects.filter(q).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), user__is_active=True).select_related("user")
    return list({a.user_id: a.user for a in assignments}.values())


def _tell(users: Iterable, title: str, body: str, statement: Statement) -> None:
    url = reverse("funding:statement", args=[statement.pk])
    notify_many([Message(to=u, kind=Kind.OTHER, title=title[:128], body=body, url=url) for u in users])


def _existing(contract: Contract, start: dt.date, end: dt.date,
              others: Iterable[Statement] | None = None) -> Statement | None:
    """The contract's statement for exactly this period (to redraft), None for a new one; refuses
    a confirmed one and a period overlapping another. `others`: the program's statements
    overlapping the period, fetched once for many contracts."""
    if others is None:
        others = Statement.objects.filter(program_id=contract.program_id, institution_id=contract.institution_id,
                                          region_id=contract.region_id, period_start__lte=end, period_end__gte=start)
    same = [s for s in others if (s.institution_id, s.region_id) == (contract.institution_id, contract.region_id)
            and s.period_start <= end and s.period_end >= start]
    if any(s.period_start != start or s.period_end != end for s in same):
        raise ValidationError(PERIOD_OVERLAPS)
    existing = same[0] if same else None
    if existing is not None and existing.state == Statement.State.CONFIRMED:
        raise ValidationError(STATEMENT_FINAL)
    return existing


def _write(program: Program, start: dt.date, end: dt.date, rate: FundingRate, actor,
           todo: list[tuple[Contract, Statement | None]], totals: dict[int, ContractTotals]) -> list[Statement]:
    """Write the statements of `todo` ((contract, its draft to redraft or None)) from the figures
    in `funding_figures`: a few statements per contract, one INSERT … SELECT for all teacher rows."""
    redrafts = [st for _k, st in todo if st is not None]
    if redrafts:
        StatementLine.objects.filter(statement__in=redrafts).delete()
        StatementTeacher.objects.filter(statement__in=redrafts).delete()
    now, lines, fresh, made = timezone.now(), [], [], []
    for contract, statement in todo:
        if statement is None:
            statement = Statement(
                number=f"JS{start:%Y%m%d}-{contract.region.code}-{contract.institution_id}-{program.pk}",
                program=program, institution_id=contract.institution_id, region_id=contract.region_id,
                region_path=contract.region_path, period_start=start, period_end=end)
            fresh.append(statement)
        statement.state, statement.checked_by, statement.checked_at = Statement.State.DRAFT, None, None
        statement.dispute_comment = ""
        statement.rate, statement.drafted_by, statement.computed_at = rate, actor, now
        statement.contract = contract
        lines.append(_lines_for(statement, totals[contract.pk], rate))
        made.append(statement)
    Statement.objects.bulk_create(fresh)
    for statement in redrafts:
        statement.save()
    for statement, its_lines in zip(made, lines, strict=True):
        for line in its_lines:
            line.statement = statement
    StatementLine.objects.bulk_create([ln for its_lines in lines for ln in its_lines])
    teacher_rows_insert({st.contract.pk: st.pk for st in made}, rural_mode=rate.rural_mode,
                        rural_amount=rate.rural_amount)
    return made


def _prepared(program: Program, start: dt.date, end: dt.date) -> FundingRate:
    _check_period(start, end)
    rate = rate_for(program, start)
    if rate is None:
        raise ValidationError(RATE_MISSING)
    return rate


@_in_site_language
@transaction.atomic
def statement_draft(*, actor, contract: Contract, start: dt.date, end: dt.date) -> Statement:
    """The paying office drafts (or redrafts) its statement with the contract's institution."""
    if not is_paying_office(actor, contract.region):
        raise PermissionDenied(NOT_PAYING_OFFICE)
    rate = _prepared(contract.program, start, end)
    existing = _existing(contract, start, end)
    try:
        figures_build(program_id=contract.program_id, start=start, end=end, cap=rate.paid_hours_cap,
                      contract_id=contract.pk, region_path=contract.region_path)
        totals = contract_totals()
        if contract.pk not in totals:
            raise ValidationError(NOTHING_TO_SETTLE)
        [statement] = _write(contract.program, start, end, rate, actor, [(contract, existing)], totals)
    finally:
        figures_drop()
    audit(actor=actor, action="funding.statement_draft", obj=statement, number=statement.number,
          amount=str(statement.amount), rural_amount=str(statement.rural_amount), teachers=statement.teachers)
    _tell(_users_of(organization_id=contract.institution_id),
          gettext("Settlement statement %(number)s is ready for your check") % {"number": statement.number},
          gettext("%(office)s drafted the statement for %(start)s – %(end)s: %(amount)s yuan for %(hours)s paid hours. "
                  "Check it and agree or dispute.") % {
              "office": contract.region.name, "start": start, "end": end, "amount": statement.amount,
              "hours": statement.paid_hours}, statement)
    return statement


@_in_site_language
@transaction.atomic
def statements_draft_all(*, program: Program, start: dt.date, end: dt.date, actor=None,
                         redraft: bool = True) -> list[Statement]:
    """Every contract's statement for the period in one pass over the ledger (the monthly job,
    the demo and the bench). Contracts whose statement is already confirmed (or, with
    `redraft=False`, already drafted at all), or that have nothing to settle, are skipped.
    Each institution and each paying office is told what waits for it."""
    rate = _prepared(program, start, end)
    try:
        figures_build(program_id=program.pk, start=start, end=end, cap=rate.paid_hours_cap)
        totals = contract_totals()
        others = list(Statement.objects.filter(program=program, period_start__lte=end, period_end__gte=start))
        todo = []
        for contract in Contract.objects.filter(pk__in=list(totals)).select_related("region").order_by("pk"):
            try:
                existing = _existing(contract, start, end, others)
            except ValidationError:
                continue
            if existing is None or redraft:
                todo.append((contract, existing))
        done = _write(program, start, end, rate, actor, todo, totals)
    finally:
        figures_drop()
    _tell_drafted(done, start, end)
    audit(actor=actor, action="funding.statements_draft_all", object_type="program", object_id=str(program.pk),
          scope_path=province_path(), program=program.code, start=start.isoformat(), end=end.isoformat(),
          statements=len(done))
    return done


def _tell_drafted(statements: list[Statement], start: dt.date, end: dt.date) -> None:
    """Each institution's users: a statement waits for their check; each paying office's: how
    many statements it drafted for them (one message per office, not one per statement)."""
    if not statements:
        return
    valid = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    staff: dict[tuple[str, int], dict] = defaultdict(dict)
    for a in RoleAssignment.objects.filter(valid, user__is_active=True).filter(
            Q(role=Role.INSTITUTION, organization_id__in={s.institution_id for s in statements})
            | Q(role__in=[Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE],
                region_id__in={s.region_id for s in statements})).select_related("user"):
        key = ("institution", a.organization_id) if a.role == Role.INSTITUTION else ("office", a.region_id)
        staff[key][a.user_id] = a.user
    messages, by_office = [], defaultdict(list)
    for st in statements:
        by_office[st.region_id].append(st)
        for user in staff[("institution", st.institution_id)].values():
            messages.append(Message(
                to=user, kind=Kind.OTHER, url=reverse("funding:statement", args=[st.pk]),
                title=(gettext("Settlement statement %(number)s is ready for your check") % {"number": st.number})[:128],
                body=gettext("%(office)s: %(amount)s yuan for %(hours)s paid hours, %(start)s – %(end)s.") % {
                    "office": st.contract.region.name, "amount": st.amount, "hours": st.paid_hours,
                    "start": start, "end": end}))
    for region_id, its in by_office.items():
        total = sum((st.amount for st in its), Decimal(0))
        for user in staff[("office", region_id)].values():
            messages.append(Message(
                to=user, kind=Kind.OTHER, url=reverse("funding:statements") + "?state=draft",
                title=(gettext("%(n)s settlement statements drafted for %(start)s – %(end)s") % {
                    "n": len(its), "start": start, "end": end})[:128],
                body=gettext("%(amount)s yuan in all. The institutions check them; you confirm them once "
                             "they agree.") % {"amount": total}))
    notify_many(messages)


@_in_site_language
@transaction.atomic
def statement_check(*, actor, statement: Statement, agree: bool, comment: str = "") -> Statement:
    """The institution agrees with the figures, or disputes them with a comment."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.state not in (Statement.State.DRAFT, Statement.State.DISPUTED):
        raise ValidationError(STATEMENT_NOT_OPEN if statement.state != Statement.State.CONFIRMED else STATEMENT_FINAL)
    comment = (comment or "").strip()
    if not agree and not comment:
        raise ValidationError(DISPUTE_COMMENT_REQUIRED)
    statement.state = Statement.State.CHECKED if agree else Statement.State.DISPUTED
    statement.checked_by, statement.checked_at = actor, timezone.now()
    statement.dispute_comment = "" if agree else comment[:2000]
    statement.save()
    audit(actor=actor, action="funding.statement_check" if agree else "funding.statement_dispute", obj=statement,
          number=statement.number, comment=statement.dispute_comment)
    if agree:
        title = gettext("%(institution)s agreed with settlement statement %(number)s")
        body = gettext("Confirm it to make it final.")
    else:
        title = gettext("%(institution)s disputed settlement statement %(number)s")
        body = gettext("Their comment: %(comment)s") % {"comment": statement.dispute_comment}
    _tell(_users_of(region_id=statement.region_id),
          title % {"institution": statement.institution.name, "number": statement.number}, body, statement)
    return statement


@_in_site_language
@transaction.atomic
def statement_confirm(*, actor, statement: Statement) -> Statement:
    statement = Statement.objects.select_for_update().select_related("region").get(pk=statement.pk)
    if not is_paying_office(actor, statement.region):
        raise PermissionDenied(NOT_PAYING_OFFICE)
    if statement.state == Statement.State.CONFIRMED:
        raise ValidationError(STATEMENT_FINAL)
    if statement.state != Statement.State.CHECKED:
        raise ValidationError(STATEMENT_NOT_CHECKED)
    statement.state, statement.confirmed_by, statement.confirmed_at = (Statement.State.CONFIRMED, actor,
                                                                        timezone.now())
    statement.save()
    audit(actor=actor, action="funding.statement_confirm", obj=statement, number=statement.number,
          amount=str(statement.amount), rural_amount=str(statement.rural_amount))
    _tell(_users_of(organization_id=statement.institution_id),
          gettext("Settlement statement %(number)s is confirmed") % {"number": statement.number},
          gettext("%(office)s confirmed %(amount)s yuan; the statement is now final.") % {
              "office": statement.region.name, "amount": statement.amount}, statement)
    return statement
