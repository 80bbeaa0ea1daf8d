"""Funding pages: an office's (or school's) budget page, the settlement statements list with the
paying office's draft form, one statement with its check / dispute / confirm actions and its
.xlsx export, and the province's rates."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core.clientip import client_ip
from tisheng.funding import selectors, services
from tisheng.funding.exports import statement_xlsx
from tisheng.funding.models import FundingRate, RuralMode, Source, Statement
from tisheng.orgs.models import Region
from tisheng.orgs.scope import has_capability, path_in_scope
from tisheng.programs.models import Program

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BUDGET_ADDED = gettext_lazy("Budget line added: %(amount)s yuan from %(source)s for %(year)s.")
STATEMENT_DRAFTED = gettext_lazy("Statement %(number)s drafted: %(amount)s yuan. The institution has been asked to check it.")
STATEMENT_CHECKED = gettext_lazy("You agreed with the statement; the office has been told and will confirm it.")
STATEMENT_DISPUTED = gettext_lazy("Your dispute was sent to the office with your comment.")
STATEMENT_CONFIRMED = gettext_lazy("Statement %(number)s is confirmed and final.")
RATE_SAVED = gettext_lazy("The new rates are in force from %(day)s.")
DATE_INVALID = gettext_lazy("Enter the dates as YYYY-MM-DD.")
CONTRACT_REQUIRED = gettext_lazy("Choose one of your contracts.")
SOURCE_INVALID = gettext_lazy("Choose a source of funds.")
DETAIL_PAGE = 50


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationError(DATE_INVALID) from None


def _render(request, template: str, context: dict):
    context["perms_rates"] = has_capability(request.user, Cap.FUNDING_RATES)
    return render(request, template, context)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@never_cache
@login_required
def index(request):
    """/funding/: an office or school lands on its budget page, an institution on its statements."""
    nodes = selectors.budget_nodes(request.user)
    if nodes:
        return redirect("funding:budget", path=nodes[0].path)
    if selectors.institution_ids(request.user):
        return redirect("funding:statements")
    raise Http404


@never_cache
@login_required
def budget(request, path: str):
    node = selectors.node_for_user(request.user, path)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return _budget_page(request, node, year)


def _budget_page(request, node, year: int, *, posted=None, status: int = 200):
    actor = request.user
    this_year = timezone.localdate().year
    year = min(max(year, 2010), 2100)
    summary = selectors.budget_summary(node, year)
    can_add = path_in_scope(actor, Cap.FUNDING_BUDGET, node.path)
    parent_path = "/".join(node.path.split("/")[:-1])
    response = _render(request, "funding/budget.html", {
        "summary": summary, "node": node, "year": year, "years": range(this_year - 3, this_year + 2),
        "can_add": can_add, "sources": Source.choices, "is_region": isinstance(node, Region), "posted": posted or {},
        "parent_path": parent_path if parent_path and path_in_scope(actor, Cap.FUNDING_VIEW, parent_path) else "",
    })
    response.status_code = status
    return response


@require_POST
@login_required
def budget_add(request, path: str):
    actor = request.user
    node = selectors.node_for_user(actor, path)
    year = request.POST.get("year", "").strip()
    source = request.POST.get("source", "")
    target = reverse("funding:budget", kwargs={"path": node.path})
    try:
        if source not in Source.values:
            raise ValidationError(SOURCE_INVALID)
        line = services.budget_add(actor=actor, node=node, year=year, source=source,
                                   amount=request.POST.get("amount", ""), purpose=request.POST.get("purpose", ""))
    except ValidationError as error:  # the page again with what was typed, and what is wrong with it
        _errors(request, error)
        return _budget_page(request, node, int(year) if year.isdigit() else timezone.localdate().year,
                            posted=request.POST, status=400)
    messages.success(request, BUDGET_ADDED % {"amount": line.amount, "source": line.get_source_display(),
                                              "year": line.year})
    return redirect(f"{target}?year={line.year}")


@never_cache
@login_required
def statements(request):
    actor = request.user
    qs = selectors.statements_for(actor)
    state = request.GET.get("state", "")
    if state in Statement.State.values:
        qs = qs.filter(state=state)
    if not has_capability(actor, Cap.FUNDING_VIEW) and not selectors.institution_ids(actor):
        raise Http404
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    contracts = list(selectors.draftable_contracts(actor))
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    return _render(request, "funding/statements.html", {
        "page": page, "state": state, "states": Statement.State.choices, "contracts": contracts,
        "default_start": last_month_end.replace(day=1).isoformat(), "default_end": last_month_end.isoformat(),
    })


@require_POST
@login_required
def statement_draft(request):
    actor = request.user
    contract_id = request.POST.get("contract", "")
    contract = (selectors.draftable_contracts(actor).filter(pk=contract_id).first()
                if contract_id.isdigit() else None)
    try:
        if contract is None:
            raise ValidationError(CONTRACT_REQUIRED)
        statement = services.statement_draft(actor=actor, contract=contract, start=_date(request.POST.get("start")),
                                             end=_date(request.POST.get("end")))
    except ValidationError as error:
        _errors(request, error)
        return redirect("funding:statements")
    messages.success(request, STATEMENT_DRAFTED % {"number": statement.number, "amount": statement.amount})
    return redirect("funding:statement", pk=statement.pk)


@never_cache
@login_required
def statement(request, pk: int):
    actor = request.user
    st = selectors.get_statement_for_user(actor, pk)
    rows = st.teacher_rows.select_related("teacher__school").order_by("org_path", "teacher_id")
    page = Paginator(rows, DETAIL_PAGE).get_page(request.GET.get("page"))
    paying = services.is_paying_office(actor, st.region)
    return _render(request, "funding/statement.html", {
        "st": st, "lines": list(st.lines.all()), "page": page,
        "can_check": st.institution_id in selectors.institution_ids(actor)
        and st.state in (Statement.State.DRAFT, Statement.State.DISPUTED),
        "can_confirm": paying and st.state == Statement.State.CHECKED,
        "can_redraft": paying and st.state != Statement.State.CONFIRMED,
    })


@require_POST
@login_required
def statement_check(request, pk: int):
    actor = request.user
    st = selectors.get_statement_for_user(actor, pk)
    if st.institution_id not in selectors.institution_ids(actor):
        raise PermissionDenied
    agree = request.POST.get("action") == "agree"
    try:
        services.statement_check(actor=actor, statement=st, agree=agree, comment=request.POST.get("comment", ""))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, STATEMENT_CHECKED if agree else STATEMENT_DISPUTED)
    return redirect("funding:statement", pk=st.pk)


@require_POST
@login_required
def statement_confirm(request, pk: int):
    actor = request.user
    st = selectors.get_statement_for_user(actor, pk)
    try:
        services.statement_confirm(actor=actor, statement=st)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, STATEMENT_CONFIRMED % {"number": st.number})
    return redirect("funding:statement", pk=st.pk)


@require_POST
@login_required
def statement_redraft(request, pk: int):
    actor = request.user
    st = selectors.get_statement_for_user(actor, pk)
    contract = selectors.draftable_contracts(actor).filter(
        program_id=st.program_id, institution_id=st.institution_id, region_id=st.region_id).first()
    if contract is None:
        raise PermissionDenied
    try:
        st = services.statement_draft(actor=actor, contract=contract, start=st.period_start, end=st.period_end)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, STATEMENT_DRAFTED % {"number": st.number, "amount": st.amount})
    return redirect("funding:statement", pk=st.pk)


@never_cache
@login_required
def statement_export(request, pk: int):
    actor = request.user
    st = selectors.get_statement_for_user(actor, pk)
    with translation.override("zh-hans"):  # a finance document is Chinese whatever the UI language
        body = statement_xlsx(st)
    audit(actor=actor, action=AuditAction.EXPORTED, obj=st, ip=client_ip(request), kind="settlement_statement",
          number=st.number)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"结算单-{st.number}.xlsx")
    return response


@never_cache
@login_required
def rates(request):
    actor = request.user
    if not has_capability(actor, Cap.FUNDING_RATES):
        raise Http404
    if request.method == "POST":
        program = Program.objects.filter(pk=request.POST.get("program", "") or 0).first() \
            if (request.POST.get("program", "") or "").isdigit() else None
        try:
            if program is None:
                raise ValidationError(services.RATE_MISSING)
            mode = request.POST.get("rural_mode", RuralMode.NONE)
            if mode not in RuralMode.values:
                mode = RuralMode.NONE
            day = _date(request.POST.get("effective_from"))
            services.rate_set(actor=actor, program=program, effective_from=day,
                              online_rate=request.POST.get("online_rate", ""),
                              paid_hours_cap=request.POST.get("paid_hours_cap", ""), rural_mode=mode,
                              rural_amount=request.POST.get("rural_amount", "") or "0",
                              note=request.POST.get("note", ""))
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, RATE_SAVED % {"day": day.isoformat()})
            return redirect("funding:rates")
    return _render(request, "funding/rates.html", {
        "rates": FundingRate.objects.select_related("program", "created_by").order_by("program_id", "-effective_from"),
        "programs": Program.objects.order_by("-start_date"), "modes": RuralMode.choices,
        "posted": request.POST if request.method == "POST" else {},
    })
