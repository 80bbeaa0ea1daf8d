"""The security admin's account pages and the audit admin's log (issue 13 item 4).

Each page checks its one capability first: `accounts.manage` (安全管理员) for the account pages,
`audit.view` (审计管理员) for the log; anyone else gets 404, as for an account outside the
actor's scope. The account pages show names, phones, roles, lock and status, never training data."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts import account_admin, audit_display
from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap, Role
from tisheng.accounts.selectors import AuditFilters, audit_log_list
from tisheng.accounts.services import audit
from tisheng.core.clientip import client_ip
from tisheng.core.tabular import BOLD, XlsxBook
from tisheng.orgs.scope import has_capability

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000
# The audit log grows by every login of the province: the page counts matches only up to here
# (COUNT over a LIMIT), so a page over millions of rows costs what a page over thousands does.
COUNT_LIMIT = 10_000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_LIMIT + 1 (shown as "more than 10,000")."""

    @cached_property
    def count(self) -> int:
        return self.object_list[:COUNT_LIMIT + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_LIMIT

CREATED = gettext_lazy("The account of %(name)s was created with the role %(role)s at %(node)s.")
GRANTED = gettext_lazy("%(name)s now holds the role %(role)s at %(node)s.")
ENDED = gettext_lazy("The role %(role)s of %(name)s at %(node)s has ended.")
UNLOCKED = gettext_lazy("The account of %(name)s is unlocked: they can log in again now.")
DEACTIVATED = gettext_lazy("The account of %(name)s is deactivated: they are logged out and cannot log in.")
REACTIVATED = gettext_lazy("The account of %(name)s is active again.")
PASSWORD_RESET = gettext_lazy("The password of %(name)s is reset: give them the one-time password below.")
BAD_DATE = gettext_lazy("Enter dates as YYYY-MM-DD.")
DATES_REVERSED = gettext_lazy("The first day comes after the last day.")
EXPORT_TOO_LARGE = gettext_lazy("%(count)s entries match: an export holds at most %(limit)s. Narrow the time range "
                                "or the filters and export again.")


def _require(request: HttpRequest, capability: str) -> None:
    """Someone without the capability learns nothing, not even that the page exists."""
    if not has_capability(request.user, capability):
        raise Http404


def _querystring(params: dict[str, str]) -> str:
    return urlencode({k: v for k, v in params.items() if v})


def _page_range(page) -> list:
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


# --- the security admin ------------------------------------------------------------------------

STATUS_CHOICES = (("active", pgettext_lazy("account status", "Active")),
                  ("inactive", pgettext_lazy("account status", "Deactivated")),
                  ("locked", pgettext_lazy("account status", "Locked")))


def _role_choices() -> list[tuple[str, str]]:
    return [(r, Role(r).label) for r in account_admin.GRANTABLE_ROLES]


@never_cache
@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.ACCOUNTS_MANAGE)
    actor = request.user
    filters = {k: request.GET.get(k, "").strip()[:64] for k in ("q", "role", "node", "status")}
    node = None
    errors = []
    if filters["node"]:
        try:
            node = account_admin.resolve_node(actor, filters["node"])
        except ValidationError as exc:
            errors.extend(exc.messages)
    role = filters["role"] if filters["role"] in Role.values else ""
    accounts = account_admin.account_list(actor, q=filters["q"], role=role, node=node, status=filters["status"])
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    users = list(page.object_list)
    locks = account_admin.locked_account_ids([u.pk for u in users])
    for u in users:
        u.locked = u.pk in locks
        u.roles = [{"label": Role(a.role).label if a.role in Role.values else "", "node": a.node.name}
                   for a in u.role_assignments.all()]
    return render(request, "accounts/admin/account_list.html", {
        "page": page, "users": users, "filters": filters, "errors": errors, "page_range": _page_range(page),
        "querystring": _querystring(filters), "roles": [(r, lbl) for r, lbl in Role.choices],
        "statuses": STATUS_CHOICES, "nodes": account_admin.node_choices(actor),
    }, status=400 if errors else 200)


@never_cache
@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    """New office or school account: name, phone, first role and unit. The one-time password
    is shown on the answer to the POST only (never_cache: it is not stored on the way)."""
    _require(request, Cap.ACCOUNTS_MANAGE)
    actor = request.user
    form = {"name": "", "phone": "", "role": "", "node": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip()[:128] for k in form}
        try:
            created = account_admin.account_create(actor=actor, name=form["name"], phone=form["phone"],
                                                   role=form["role"], node_text=form["node"], ip=client_ip(request))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            assignment = created.user.role_assignments.select_related("region", "school", "organization").first()
            messages.success(request, CREATED % {"name": created.user.name, "role": Role(assignment.role).label,
                                                 "node": assignment.node.name})
            return render(request, "accounts/admin/account_created.html", {
                "account": created.user, "password": created.password, "assignment": assignment})
    school_q = request.GET.get("school_q", "").strip()[:64]
    if request.method == "GET" and request.GET.get("node"):
        form["node"] = request.GET["node"][:64]
    general_errors = errors.pop("__all__", []) + errors.pop("password", [])
    return render(request, "accounts/admin/account_create.html", {
        "form": form, "errors": errors, "general_errors": general_errors, "roles": _role_choices(),
        "nodes": account_admin.node_choices(actor),
        "school_q": school_q, "schools": account_admin.school_search(actor, school_q),
    }, status=400 if errors else 200)


def _detail_context(request: HttpRequest, account, **extra) -> dict:
    actor = request.user
    locks = account_admin.locked_account_ids([account.pk])
    until = locks.get(account.pk)
    assignments = list(account.role_assignments.all())
    return {
        "account": account, "assignments": assignments,
        "locked_until": dt.datetime.fromtimestamp(until, tz=timezone.get_current_timezone()) if until else None,
        "permission": account_admin.account_permission(actor, account),
        "can_reset_password": any(a.role != Role.TEACHER for a in assignments),
        "grantable": set(account_admin.GRANTABLE_ROLES), "roles": _role_choices(),
        "nodes": account_admin.node_choices(actor), "grant_form": {"role": "", "node": ""}, "errors": [], **extra}


@never_cache
@login_required
@require_GET
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Cap.ACCOUNTS_MANAGE)
    account = account_admin.get_account_for_user(request.user, pk)
    return render(request, "accounts/admin/account_detail.html", _detail_context(request, account))


@login_required
@require_POST
def account_role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Cap.ACCOUNTS_MANAGE)
    account = account_admin.get_account_for_user(request.user, pk)
    form = {k: request.POST.get(k, "").strip()[:128] for k in ("role", "node")}
    try:
        assignment = account_admin.account_role_grant(actor=request.user, user=account, role=form["role"],
                                                      node_text=form["node"], ip=client_ip(request))
    except ValidationError as exc:
        account = account_admin.get_account_for_user(request.user, pk)
        return render(request, "accounts/admin/account_detail.html",
                      _detail_context(request, account, grant_form=form, errors=exc.messages), status=400)
    messages.success(request, GRANTED % {"name": account.name, "role": Role(assignment.role).label,
                                         "node": assignment.node.name})
    return redirect("accounts:account_detail", pk=account.pk)


def _simple_action(request: HttpRequest, pk: int, act, message) -> HttpResponse:
    _require(request, Cap.ACCOUNTS_MANAGE)
    account = account_admin.get_account_for_user(request.user, pk)
    try:
        act(account)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, message % {"name": account.name})
    return redirect("accounts:account_detail", pk=account.pk)


@login_required
@require_POST
def account_role_end(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    _require(request, Cap.ACCOUNTS_MANAGE)
    account = account_admin.get_account_for_user(request.user, pk)
    try:
        ended = account_admin.account_role_end(actor=request.user, user=account, assignment_pk=assignment_pk,
                                               ip=client_ip(request))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, ENDED % {"name": account.name, "role": Role(ended.role).label,
                                           "node": ended.node.name})
    return redirect("accounts:account_detail", pk=account.pk)


@login_required
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, lambda account: account_admin.account_unlock(
        actor=request.user, user=account, ip=client_ip(request)), UNLOCKED)


@login_required
@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, lambda account: account_admin.account_set_active(
        actor=request.user, user=account, active=False, ip=client_ip(request)), DEACTIVATED)


@login_required
@require_POST
def account_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, lambda account: account_admin.account_set_active(
        actor=request.user, user=account, active=True, ip=client_ip(request)), REACTIVATED)


@never_cache
@login_required
@require_POST
def account_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-time password is on this answer only (never_cache: not stored on the way)."""
    _require(request, Cap.ACCOUNTS_MANAGE)
    account = account_admin.get_account_for_user(request.user, pk)
    try:
        password = account_admin.account_password_reset(actor=request.user, user=account, ip=client_ip(request))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("accounts:account_detail", pk=account.pk)
    messages.success(request, PASSWORD_RESET % {"name": account.name})
    return render(request, "accounts/admin/account_created.html", {"account": account, "password": password,
                                                                   "reset": True})


# --- the audit admin ---------------------------------------------------------------------------

def _audit_filters(request: HttpRequest) -> tuple[dict[str, str], AuditFilters, list[str]]:
    raw = {k: request.GET.get(k, "").strip()[:64] for k in ("since", "until", "action", "actor", "target", "ip")}
    errors: list[str] = []
    days: dict[str, dt.date | None] = {"since": None, "until": None}
    for key in days:
        if raw[key]:
            try:
                days[key] = dt.date.fromisoformat(raw[key])
            except ValueError:
                errors.append(str(BAD_DATE))
                raw[key] = ""
    if days["since"] and days["until"] and days["since"] > days["until"]:
        errors.append(str(DATES_REVERSED))
    ip = raw["ip"]
    if ip:
        import ipaddress

        try:
            ipaddress.ip_address(ip)
        except ValueError:
            errors.append(_("Enter a full IP address, such as 192.168.1.20."))
            ip = ""
    action = raw["action"] if raw["action"] in audit_display.ACTION_LABELS else ""
    return raw, AuditFilters(since=days["since"], until=days["until"], action=action, actor=raw["actor"],
                             target=raw["target"], ip=ip), list(dict.fromkeys(errors))


@never_cache
@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.AUDIT_VIEW)
    raw, filters, errors = _audit_filters(request)
    entries = audit_log_list(request.user, filters=filters)
    page = CappedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = audit_display.describe(page.object_list)
    querystring = _querystring(raw)
    return render(request, "accounts/audit_log.html", {
        "page": page, "rows": rows, "filters": raw, "errors": errors, "actions": audit_display.action_choices(),
        "querystring": querystring, "page_range": _page_range(page), "count_limit": COUNT_LIMIT,
    }, status=400 if errors else 200)


@never_cache
@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as .xlsx, in the page's words; the export itself is an audit entry."""
    _require(request, Cap.AUDIT_VIEW)
    raw, filters, errors = _audit_filters(request)
    entries = audit_log_list(request.user, filters=filters)
    count = entries.count()
    if errors or count > EXPORT_LIMIT:
        for m in errors:
            messages.error(request, m)
        if count > EXPORT_LIMIT and not errors:
            messages.error(request, EXPORT_TOO_LARGE % {"count": f"{count:,}", "limit": f"{EXPORT_LIMIT:,}"})
        return redirect(f"{reverse('accounts:audit_log')}?{_querystring(raw)}")
    book = XlsxBook(title=_("Audit log"), widths=[20, 14, 30, 22, 30, 16, 60])
    book.append([_("Time"), _("Who"), _("Role"), _("What they did"), _("To whom or what"), _("From where"),
                 _("Details")], font=BOLD)
    written = 0
    chunk = 1000
    ids = list(entries.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        batch = list(audit_log_list(request.user).filter(pk__in=ids[start:start + chunk]))
        for row in audit_display.describe(batch):
            target = f"{row.target}（{row.unit}）" if row.unit and row.unit not in row.target else row.target
            book.append([row.at.replace(tzinfo=None), row.who, row.who_role, row.action, target, row.ip,
                         "；".join(row.details)])
            written += 1
    audit(actor=request.user, action=AuditAction.EXPORTED, object_type="export", object_id="audit_log",
          ip=client_ip(request), kind="audit_log", rows=written,
          filters={k: v for k, v in raw.items() if v})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(book.to_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"审计日志-{stamp}.xlsx")
    return response

