"""The province plan for the ministry (规划方案备案), composed from the platform's data plus the
office's own text per section.

    plan_compose(actor, region, title=…, texts=…, on=…) -> {"title", "province", "composed_on", "sections": [
        {"key", "title", "text", "tables": [{"caption", "columns", "rows"}]}, …]}

Every cell is already a string, so the HTML page, the PDF and the .docx render the same
document, and a filed version keeps exactly what was filed. The data is read, never written:
programs and their rule sets (hours and categories, yearly shares, practice requirements), the
province's institution selections and the institutions selected, budgets where the funding app
has them, and the supervision rounds planned. (There is no track model on the platform yet; the
programs' rule sets carry what a track would.)

Cost: a fixed number of queries whatever the number of programs or institutions, plus four per
budget year (funding's budget_summary)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region
from tisheng.orgs.scope import has_capability
from tisheng.programs.models import Program
from tisheng.programs.rules import CATEGORY_LABELS

# (key, title, what the office writes there): the sections every plan has, in order.
SECTIONS = (
    ("goals", pgettext_lazy("province plan", "Overall goals"),
     gettext_lazy("The province's goals for the project, and how they follow the ministry's opinion.")),
    ("organization", pgettext_lazy("province plan", "Organization and responsibilities"),
     gettext_lazy("Who leads, and what the province, cities, counties and schools each do.")),
    ("programs", pgettext_lazy("province plan", "Training programs and hours"),
     gettext_lazy("What the programs below ask of teachers, and why.")),
    ("schedule", pgettext_lazy("province plan", "Schedule"),
     gettext_lazy("The stages of the work and the share of teachers to complete each year.")),
    ("institutions", pgettext_lazy("province plan", "Training institutions"),
     gettext_lazy("How institutions are selected and evaluated.")),
    ("budget", pgettext_lazy("province plan", "Funding"),
     gettext_lazy("Where the money comes from and what it pays for.")),
    ("supervision", pgettext_lazy("province plan", "Supervision and evaluation"),
     gettext_lazy("How the work is inspected and its quality evaluated.")),
    ("safeguards", pgettext_lazy("province plan", "Safeguards"),
     gettext_lazy("Policies, conditions and support that make the plan happen.")),
)
SECTION_KEYS = tuple(key for key, _title, _hint in SECTIONS)
# A program's state in a plan's words (the model's labels are a roster's: 在职 for "Active").
STATUS = {Program.Status.DRAFT: lambda: pgettext("province plan", "In preparation"),
          Program.Status.ACTIVE: lambda: pgettext("province plan", "Under way"),
          Program.Status.CLOSED: lambda: pgettext("province plan", "Finished")}
# Sections a plan cannot be filed without.
REQUIRED_TEXTS = ("goals", "organization", "safeguards")
TEXT_LIMIT = 20000


COLUMNS = {
    "Program": pgettext_lazy("province plan", "Program"),
    "Status": pgettext_lazy("province plan", "Status"),
    "Period": pgettext_lazy("province plan", "Period"),
    "Required hours": pgettext_lazy("province plan", "Required hours"),
    "Minimum hours by category": pgettext_lazy("province plan", "Minimum hours by category"),
    "Practice requirement": pgettext_lazy("province plan", "Practice requirement"),
    "Cycle": pgettext_lazy("province plan", "Cycle"),
    "Certificate": pgettext_lazy("province plan", "Certificate"),
    "Hours needed": pgettext_lazy("province plan", "Hours needed"),
    "Starts": pgettext_lazy("province plan", "Starts"),
    "Deadline": pgettext_lazy("province plan", "Deadline"),
    "Year": pgettext_lazy("province plan", "Year"),
    "Share": pgettext_lazy("province plan", "Share"),
    "Selection": pgettext_lazy("province plan", "Selection"),
    "Applications": pgettext_lazy("province plan", "Applications"),
    "Selected": pgettext_lazy("province plan", "Selected"),
    "Results published": pgettext_lazy("province plan", "Results published"),
    "Institution": pgettext_lazy("province plan", "Institution"),
    "Source": pgettext_lazy("province plan", "Source"),
    "Budget": pgettext_lazy("province plan", "Budget"),
    "Settled": pgettext_lazy("province plan", "Settled"),
    "Round": pgettext_lazy("province plan", "Round"),
    "Kind": pgettext_lazy("province plan", "Kind"),
    "Units": pgettext_lazy("province plan", "Units"),
    "Certificates": pgettext_lazy("province plan", "Certificates"),
}


def _c(name: str) -> str:
    return str(COLUMNS[name])


def _hours(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):,}"


def plan_programs() -> list[Program]:
    """The programs a plan covers: every program not closed, oldest first."""
    return list(Program.objects.exclude(status=Program.Status.CLOSED).order_by("start_date", "code"))


def _programs_tables(programs: list[Program]) -> list[dict]:
    rows = []
    for p in programs:
        rs = p.ruleset
        minimums = "；".join(f"{CATEGORY_LABELS[c]} {_hours(h)}" for c, h in rs.min_hours.items()) or "—"
        practice = []
        if rs.min_practice_share:
            practice.append(_("practice at least %(share)s%% of the hours")
                            % {"share": f"{(rs.min_practice_share * 100).normalize():f}"})
        if rs.micro_abilities:
            practice.append(_("%(points)s capability points in %(dims)s dimensions")
                            % {"points": rs.micro_abilities.min_points, "dims": rs.micro_abilities.min_dimensions})
        practice = "；".join(practice) or "—"
        rows.append([p.name, STATUS[p.status](), f"{p.start_date} – {p.end_date}", _hours(rs.required_hours),
                     minimums, practice, _("%(years)s years") % {"years": rs.cycle_years} if rs.cycle_years else "—"])
    columns = [_c("Program"), _c("Status"), _c("Period"), _c("Required hours"), _c("Minimum hours by category"),
               _c("Practice requirement"), _c("Cycle")]
    certificates = [[p.name, c.name, "；".join(f"{CATEGORY_LABELS[k]} {_hours(h)}" for k, h in c.min_hours.items())
                     or "—"] for p in programs for c in p.ruleset.certificates]
    tables = [{"caption": _("Programs and their rule sets"), "columns": columns, "rows": rows}]
    if certificates:
        tables.append({"caption": _c("Certificates"), "columns": [_c("Program"), _c("Certificate"), _c("Hours needed")],
                       "rows": certificates})
    return tables


def _schedule_tables(programs: list[Program]) -> list[dict]:
    rows = []
    for p in programs:
        for year, share in sorted(p.ruleset.yearly_quotas.items()):
            rows.append([p.name, str(year), f"{(share * 100).normalize():f}%"])
    tables = [{"caption": _("Program periods"), "columns": [_c("Program"), _c("Starts"), _c("Deadline")],
               "rows": [[p.name, str(p.start_date), str(p.end_date)] for p in programs]}]
    if rows:
        tables.append({"caption": _("Share of teachers to complete each year"),
                       "columns": [_c("Program"), _c("Year"), _c("Share")], "rows": rows})
    return tables


def _institution_tables(actor, region: Region) -> list[dict]:
    from django.db.models import Count, Q

    from tisheng.institutions.models import Application, ApplicationStatus
    from tisheng.institutions.selectors import office_rounds

    rounds = list(office_rounds(actor).filter(scope_path=region.path)
                  .annotate(applied=Count("applications", filter=~Q(applications__status=ApplicationStatus.DRAFT)),
                            chosen=Count("applications", filter=Q(applications__status=ApplicationStatus.SELECTED)))
                  .order_by("opens_on", "pk"))
    if not rounds:
        return []
    selected = list(Application.objects.filter(round__in=rounds, status=ApplicationStatus.SELECTED)
                    .select_related("round", "institution").order_by("round__opens_on", "institution__name"))
    tables = [{"caption": _("Institution selections"),
               "columns": [_c("Selection"), _c("Program"), _c("Applications"), _c("Selected"), _c("Results published")],
               "rows": [[r.title, r.program.name, str(r.applied), str(r.chosen),
                         str(r.published_at.date()) if r.published_at else pgettext("province plan", "Not yet")]
                        for r in rounds]}]
    if selected:
        tables.append({"caption": _("Institutions selected"), "columns": [_c("Selection"), _c("Institution")],
                       "rows": [[a.round.title, a.institution.name] for a in selected]})
    return tables


def _budget_tables(actor, region: Region) -> list[dict]:
    from tisheng.funding.models import BudgetLine
    from tisheng.funding.selectors import budget_summary

    if not has_capability(actor, Cap.FUNDING_VIEW):
        return []
    years = list(BudgetLine.objects.filter(path__startswith=region.path).order_by("year")
                 .values_list("year", flat=True).distinct())
    rows = []
    for year in years:
        summary = budget_summary(region, year)
        for r in summary.rows:
            rows.append([str(year), r.label, _money(r.budget), _money(r.settled)])
        below = sum((b for _p, _n, b in summary.children), Decimal(0))
        if below:
            rows.append([str(year), _("Budgets of the cities"), _money(below), "—"])
    if not rows:
        return []
    return [{"caption": _("Budgets (yuan)"), "columns": [_c("Year"), _c("Source"), _c("Budget"), _c("Settled")],
             "rows": rows}]


def _supervision_tables(region: Region) -> list[dict]:
    from django.db.models import Count

    from tisheng.supervision.models import Round

    rounds = list(Round.objects.filter(region_path=region.path).annotate(units=Count("inspections"))
                  .order_by("starts_on", "pk"))
    if not rounds:
        return []
    return [{"caption": _("Inspection rounds"), "columns": [_c("Round"), _c("Kind"), _c("Period"), _c("Units")],
             "rows": [[r.title, str(r.get_kind_display()), f"{r.starts_on} – {r.ends_on}", str(r.units)]
                      for r in rounds]}]


def plan_compose(actor, region: Region, *, title: str, texts: dict, on: dt.date) -> dict:
    """The plan as it would be filed today (see the module docstring)."""
    programs = plan_programs()
    tables = {"programs": _programs_tables(programs), "schedule": _schedule_tables(programs),
              "institutions": _institution_tables(actor, region), "budget": _budget_tables(actor, region),
              "supervision": _supervision_tables(region)}
    return {
        "title": title, "province": region.name, "composed_on": on.isoformat(),
        "sections": [{"key": key, "title": str(name), "text": (texts.get(key) or "").strip(),
                      "tables": tables.get(key, [])} for key, name, _hint in SECTIONS],
    }
