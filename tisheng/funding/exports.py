"""结算单 as .xlsx for finance: sheet 1 the figures with their derivation (rate version, cap,
each line's quantity × unit price), sheet 2 one row per teacher for audit. Written through
the shared cell writer (tisheng/core/tabular.py), streaming, so a county's statement of
thousands of teachers keeps memory flat; the detail is read in chunks with `iterator()`."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from tisheng.core.tabular import BOLD, XlsxBook
from tisheng.funding.models import Statement, StatementTeacher

DETAIL_HEADER = ("Teacher", "School", "Rural school", "Hours credited", "Reversed in period", "Paid hours (cap applied)",
                 "Paid before this period", "Adjustment hours", "Adjustment paid hours", "Amount (yuan)",
                 "Rural subsidy (yuan)")


def statement_xlsx(statement: Statement) -> bytes:
    rate = statement.rate
    book = XlsxBook(title=_("Settlement statement"), widths=(22, 16, 14, 14, 14, 14, 60))
    book.append([_("Settlement statement"), statement.number], font=BOLD)
    for label, value in (
            (_("Program"), statement.program.name), (_("Institution"), statement.institution.name),
            (_("Paying office"), statement.region.name),
            (_("Settlement period"), f"{statement.period_start:%Y-%m-%d} – {statement.period_end:%Y-%m-%d}"),
            (_("State"), statement.get_state_display()),
            (_("Rate version in force from"), rate.effective_from),
            (_("Rate per hour per teacher (yuan)"), rate.online_rate),
            (_("Paid online hours per teacher at most"), rate.paid_hours_cap),
            (_("Rural subsidy"), f"{rate.get_rural_mode_display()} {rate.rural_amount}"),
            (_("Basis"), rate.note),
            (_("Computed from the hours ledger at"), timezone.localtime(statement.computed_at).strftime("%Y-%m-%d %H:%M")),
            (_("Confirmed at"), timezone.localtime(statement.confirmed_at).strftime("%Y-%m-%d %H:%M")
             if statement.confirmed_at else "—")):
        book.append([label, value])
    book.append([])
    book.append([_("Line item"), _("Source"), _("Teachers"), _("Hours credited"), _("Quantity"), _("Unit price"),
                 _("Amount (yuan)"), _("Derivation")], font=BOLD)
    for line in statement.lines.all():
        book.append([line.get_kind_display(), line.get_source_display(), line.teachers, line.credited_hours,
                     line.quantity, line.unit_price, line.amount, line.derivation])
    book.append([])
    book.append([_("Payable to the institution"), "", "", "", statement.paid_hours, "", statement.amount], font=BOLD)
    book.append([_("Rural subsidies (listed separately)"), "", "", "", "", "", statement.rural_amount], font=BOLD)

    book.add_sheet(title=_("Teacher detail"), widths=(12, 28, 6, 10, 10, 12, 12, 10, 10, 12, 12))
    book.append([_(h) for h in DETAIL_HEADER], font=BOLD)
    price = rate.online_rate
    yes, no = _("Yes"), _("No")
    rows = (StatementTeacher.objects.filter(statement=statement).select_related("teacher__school")
            .order_by("org_path", "teacher_id"))
    for r in rows.iterator(chunk_size=2000):
        book.append([r.teacher.name, r.teacher.school.name, yes if r.is_rural else no, r.credited_hours,
                     r.reversed_hours, r.paid_hours, r.paid_before, r.adjustment_hours, r.adjustment_paid_hours,
                     ((r.paid_hours + r.adjustment_paid_hours) * price).quantize(Decimal("0.01")), r.rural_amount])
    return book.to_bytes()
