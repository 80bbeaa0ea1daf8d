"""办学水平评估 and 校长考评: the project's indicators per school, for the systems (and offices)
that evaluate schools and principals (Fujian 五.(五): "列入中小学办学水平评估和校长考评指标体系").

For one program (the newest active by default) and one county, each school's:

- 参训: active teachers, enrollments (exempt ones apart), the share of those due who have any
  credited hours in the program (participation);
- 完成: enrollments complete or further along the review chain, certified, the completion rate
  and the average credited hours per teacher due;
- 校本应用考核: teachers with at least one capability point passed, points passed and
  excellent, teachers meeting the program's point requirement;
- 规划实施: the school's informatization plan (its latest version's state) and, once approved,
  how far its teachers' practice results have got (teachers meeting the point requirement of
  those due: the plan's goal is every teacher there);
- and whatever a later domain adds (resources contributed, achievements, model-site titles)
  through `register_indicator`, since those domains sit above this one and may not be imported.

Read straight from the tables (enrollments, ledger, point results, plans), not the nightly
roll-ups, so the numbers are today's. Six GROUP BY statements per county, whatever its number
of schools; the rates are computed in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.core.tabular import BOLD, XlsxBook
from tisheng.ledger.models import LedgerEntry
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import capability_paths
from tisheng.people.models import Teacher
from tisheng.practice.models import PointResult, SchoolPlan
from tisheng.programs.models import Enrollment, EnrollmentState, Program

INDICATORS_NO_PROGRAM = _("There is no program to measure yet.")
DONE_STATES = (EnrollmentState.COMPLETE, EnrollmentState.UNDER_REVIEW, EnrollmentState.APPROVED,
               EnrollmentState.CERTIFIED)
PLAN_LABELS = {"": "未提交", "draft": "草拟中", "submitted": "待审核", "approved": "已通过", "returned": "已退回"}

# A later domain's indicators: fn(program, school ids) -> {school id: {label: value}}.
IndicatorFn = Callable[[Program, list[int]], dict[int, dict[str, object]]]
_PROVIDERS: list[tuple[str, IndicatorFn]] = []


def register_indicator(name: str, fn: IndicatorFn) -> None:
    """Called from a later app's AppConfig.ready(): its indicators join every school's row
    (the .xlsx's columns and the API's `extra`)."""
    if name not in {n for n, _fn in _PROVIDERS}:
        _PROVIDERS.append((name, fn))


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


@dataclass
class SchoolIndicators:
    school_id: int
    code: str
    name: str
    stage: str
    rural: bool | None
    teachers: int = 0
    due: int = 0  # enrollments not exempt
    exempt: int = 0
    participating: int = 0  # due with any credited hours in the program
    completed: int = 0
    certified: int = 0
    hours: Decimal = Decimal(0)
    practice_teachers: int = 0  # at least one point passed
    points_passed: int = 0
    points_excellent: int = 0
    points_met: int = 0  # teachers meeting the program's point requirement
    plan_status: str = ""
    plan_version: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def participation_rate(self) -> Decimal | None:
        return _rate(self.participating, self.due)

    @property
    def completion_rate(self) -> Decimal | None:
        return _rate(self.completed, self.due)

    @property
    def average_hours(self) -> Decimal | None:
        return (self.hours / self.due).quantize(Decimal("0.1")) if self.due else None

    @property
    def plan_label(self) -> str:
        return PLAN_LABELS.get(self.plan_status, self.plan_status)

    @property
    def plan_implementation_rate(self) -> Decimal | None:
        """Teachers meeting the point requirement of those due, once the plan is approved."""
        return _rate(self.points_met, self.due) if self.plan_status == "approved" else None


def indicator_counties(actor) -> QuerySet[Region]:
    roots = capability_paths(actor, Cap.SCHOOL_INDICATORS)
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(path=root) | Q(path__startswith=root + "/")
    return Region.objects.filter(condition, level=RegionLevel.COUNTY).order_by("path")


def school_indicators(program: Program, county: Region) -> list[SchoolIndicators]:
    """Every school of `county` (the caller has checked the county is in the actor's scope)."""
    prefix = county.path + "/"
    rows = {s.pk: SchoolIndicators(school_id=s.pk, code=s.code, name=s.name, stage=s.get_stage_display(),
                                   rural=s.is_rural)
            for s in School.objects.filter(path__startswith=prefix).order_by("code")}
    for school_id, n in (Teacher.objects.filter(org_path__startswith=prefix, status="active")
                         .values_list("school_id").annotate(n=Count("id")).order_by()):
        if school_id in rows:
            rows[school_id].teachers = n
    enrollments = (Enrollment.objects.filter(program=program, org_path__startswith=prefix)
                   .values_list("school_id").annotate(
                       exempt=Count("id", filter=Q(state=EnrollmentState.EXEMPT)),
                       due=Count("id", filter=~Q(state=EnrollmentState.EXEMPT)),
                       done=Count("id", filter=Q(state__in=DONE_STATES)),
                       certified=Count("id", filter=Q(state=EnrollmentState.CERTIFIED))).order_by())
    for school_id, exempt, due, done, certified in enrollments:
        if school_id in rows:
            r = rows[school_id]
            r.exempt, r.due, r.completed, r.certified = exempt, due, done, certified
    credited = (LedgerEntry.objects.filter(program=program, teacher__org_path__startswith=prefix)
                .values_list("teacher__school_id", "teacher_id").annotate(hours=Sum("hours")).order_by())
    for school_id, _teacher_id, hours in credited:
        if school_id in rows and hours and hours > 0:
            rows[school_id].participating += 1
            rows[school_id].hours += hours
    rules = program.ruleset.micro_abilities
    required = rules.min_points if rules is not None else 0
    passed = (PointResult.objects.filter(program=program, org_path__startswith=prefix,
                                         status=PointResult.Status.ASSESSED, result__in=("pass", "excellent"))
              .values_list("teacher__school_id", "teacher_id")
              .annotate(n=Count("id"), excellent=Count("id", filter=Q(result="excellent"))).order_by())
    for school_id, _teacher_id, n, excellent in passed:
        if school_id in rows:
            r = rows[school_id]
            r.practice_teachers += 1
            r.points_passed += n
            r.points_excellent += excellent
            r.points_met += 1 if required and n >= required else 0
    latest: dict[int, tuple[int, str]] = {}
    for school_id, version, status in (SchoolPlan.objects.filter(program=program, school__path__startswith=prefix)
                                       .values_list("school_id", "version", "status")):
        if version > latest.get(school_id, (0, ""))[0]:
            latest[school_id] = (version, status)
    for school_id, (version, status) in latest.items():
        if school_id in rows:
            rows[school_id].plan_version, rows[school_id].plan_status = version, status
    for _name, fn in _PROVIDERS:
        for school_id, values in fn(program, list(rows)).items():
            if school_id in rows:
                rows[school_id].extra.update(values)
    # Every row carries every later domain's key, in one order (a provider may name only the
    # schools it has something for): the page's columns line up and the API's rows agree.
    keys = sorted({k for r in rows.values() for k in r.extra})
    for r in rows.values():
        r.extra = {k: r.extra.get(k) for k in keys}
    # The participation count is of teachers with hours; a teacher without an enrollment (moved
    # in after the program began) is not due, so it never exceeds those due.
    for r in rows.values():
        r.participating = min(r.participating, r.due)
    return list(rows.values())


HEADER = ["学校代码", "学校", "学段", "城乡", "在职教师", "应参训", "免训", "参训人数", "参训率%", "完成人数",
          "完成率%", "已发证", "人均学时", "校本考核有通过", "能力点通过数", "能力点优秀数", "能力点达标人数",
          "规划状态", "规划版本", "规划实施达成率%"]


def indicators_xlsx(program: Program, county: Region, rows: list[SchoolIndicators]) -> bytes:
    extra = sorted({k for r in rows for k in r.extra})
    book = XlsxBook(title="办学水平评估指标", widths=[14, 28, 10, 6] + [10] * (len(HEADER) - 4 + len(extra)))
    book.append([f"{county.name} 中小学教师信息技术应用能力提升工程 办学水平评估与校长考评指标"], font=BOLD)
    book.append([f"项目：{program.name}；数据截至 {timezone.localtime():%Y-%m-%d %H:%M}"])
    book.append([*HEADER, *extra], font=BOLD)
    for r in rows:
        book.append([r.code, r.name, r.stage, "" if r.rural is None else ("农村" if r.rural else "城镇"), r.teachers,
                     r.due, r.exempt, r.participating, r.participation_rate, r.completed, r.completion_rate,
                     r.certified, r.average_hours, r.practice_teachers, r.points_passed, r.points_excellent,
                     r.points_met, r.plan_label, r.plan_version or None, r.plan_implementation_rate,
                     *[r.extra.get(k) for k in extra]])
    return book.to_bytes()
