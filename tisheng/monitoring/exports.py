"""The tables that can be exported to .xlsx: one registry, one mechanism (services/exports.py).

A table knows its columns and how to turn (actor, request parameters) into a `Source`: the node
it is about, the filters as the reader should see them, a row count and a row iterator. Every
source starts from the scope filter (or from roll-up rows under a node the actor holds), so an
export never contains more than the actor may see; a node outside the actor's scope is a 404,
the same answer as a node that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.fernet import InvalidToken
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.core import crypto, idcard
from tisheng.monitoring.models import NodeKind, Rollup, RollupRun
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import capability_paths, path_in_scope, path_q, scope_filter
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.selectors import programs_active_first

CAPABILITY = Cap.REPORTS_EXPORT
PARAM_MAX = 96


@dataclass(frozen=True)
class Column:
    label: str
    width: int = 12
    kind: str = "text"  # text, int, hours, percent


@dataclass
class Source:
    """What one export reads: `rows()` yields lists in the table's column order."""

    node_name: str
    node_path: str
    filters: list[tuple[str, str]]  # (label, value) as the reader should see them
    count: Callable[[], int]
    rows: Callable[[], Iterator[list]]
    roots: list[str] = field(default_factory=list)  # the actor's own subtrees, when narrower than the node


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    params: tuple[str, ...]  # request parameters the table reads (kept with a background job)
    source: Callable[..., Source]


TABLES: dict[str, Table] = {}


def table(name: str, *, title: str, columns: tuple[Column, ...], params: tuple[str, ...]) -> Callable:
    def register(func: Callable[..., Source]) -> Callable[..., Source]:
        TABLES[name] = Table(name=name, title=title, columns=columns, params=params, source=func)
        return func

    return register


def clean_params(table: Table, raw) -> dict[str, str]:
    """The table's own parameters from a query dict, trimmed; empty ones dropped."""
    out = {}
    for key in table.params:
        value = str(raw.get(key, "") or "").strip()[:PARAM_MAX]
        if value:
            out[key] = value
    return out


def get_table(name: str) -> Table:
    found = TABLES.get(name)
    if found is None:
        raise Http404
    return found


# Helpers shared by the tables.

def _program(params: dict[str, str]) -> Program:
    wanted = params.get("program", "")
    if wanted.isdigit():
        program = Program.objects.filter(pk=wanted).first()
    else:
        program = next(iter(programs_active_first()), None)
    if program is None:
        raise Http404
    return program


def node_name(path: str) -> str | None:
    """The name of the region or school at `path` (None when there is none)."""
    region = Region.objects.filter(path=path).values_list("name", flat=True).first()
    if region is not None:
        return region
    return School.objects.filter(path=path).values_list("name", flat=True).first()


def _roots(actor) -> list[str]:
    roots = capability_paths(actor, CAPABILITY)
    if not roots:
        raise Http404
    return roots


def _node_within(actor, params: dict[str, str]) -> tuple[str, str]:
    """The node an export is about: inside the actor's scope (default: their first subtree)."""
    path = params.get("node") or _roots(actor)[0]
    if not path_in_scope(actor, CAPABILITY, path):
        raise Http404
    name = node_name(path)
    if name is None:
        raise Http404
    return path, name


def _node_touching(actor, params: dict[str, str]) -> tuple[str, str, list[str]]:
    """For lists of teachers: the node may also lie above the actor's scope (a county officer
    exporting the province gets their county's rows), never beside it. Returns the node and
    the actor's subtrees under it that the rows are narrowed to."""
    roots = _roots(actor)
    path = params.get("node") or roots[0]
    if path_in_scope(actor, CAPABILITY, path):
        narrowed = [path]
    else:
        narrowed = [r for r in roots if r.startswith(path + "/")]
        if not narrowed:
            raise Http404
    name = node_name(path)
    if name is None:
        raise Http404
    return path, name, narrowed


def masked_id(id_encrypted: str, last4: str) -> str:
    """`350102********123X`; a row whose ID cannot be decrypted (bulk test data, a rotated key)
    still shows its last four rather than failing the whole export."""
    try:
        return idcard.mask(crypto.decrypt(id_encrypted))
    except (InvalidToken, ValueError):
        return f"{'*' * 14}{last4}"


def _hours(value) -> float:
    return float(value if value is not None else Decimal("0"))


# The dashboard's table: the roll-up rows of a node's children.

SUBUNIT_COLUMNS = (
    Column(_("Code"), 12), Column(_("Unit"), 28), Column(_("Level"), 8), Column(_("Rural"), 6),
    Column(_("Teachers to train"), 10, "int"), Column(_("Enrolled"), 10, "int"), Column(_("Exempt"), 8, "int"),
    Column(_("Selected courses"), 10, "int"), Column(_("Started"), 10, "int"), Column(_("Complete"), 10, "int"),
    Column(_("Completion rate (%)"), 10, "percent"), Column(_("Approved"), 10, "int"),
    Column(_("Certified"), 10, "int"), Column(_("Returned"), 8, "int"),
    Column(_("Online hours"), 12, "hours"), Column(_("Practice hours"), 12, "hours"),
    Column(_("Points passed"), 10, "int"), Column(_("Points excellent"), 10, "int"),
)


@table("subunits", title=_("Subunits"), columns=SUBUNIT_COLUMNS, params=("program", "node"))
def subunits(actor, params: dict[str, str]) -> Source:
    program = _program(params)
    path, name = _node_within(actor, params)
    run = (RollupRun.objects.filter(program=program, kind=RollupRun.Kind.REFRESH, finished_at__isnull=False)
           .order_by("-finished_at").first())
    qs = (Rollup.objects.filter(program=program, day=run.day, parent_path=path) if run is not None
          else Rollup.objects.none())
    kinds = dict(NodeKind.choices)
    yes, no = str(_("Yes")), ""

    def rows() -> Iterator[list]:
        children = sorted(qs, key=lambda r: (-r.completion_rate, r.node_path))
        for r in children:
            yield [r.code, r.name, str(kinds.get(r.node_kind, r.node_kind)), yes if r.is_rural else no,
                   r.base, r.enrolled, r.exempt, r.selected, r.started, r.complete, r.completion_percent,
                   r.approved, r.certified, r.returned, _hours(r.online_hours), _hours(r.practice_hours),
                   r.points_passed, r.points_excellent]

    filters = [(str(_("Program")), program.name)]
    if run is not None:
        filters.append((str(_("Numbers as of")), run.day.isoformat()))
    return Source(node_name=name, node_path=path, filters=filters, count=qs.count, rows=rows)


# A node's teachers with their progress (enrollments).

TEACHER_PROGRESS_COLUMNS = (
    Column(_("Name"), 10), Column(_("School code"), 12), Column(_("School"), 28), Column(_("National ID"), 20),
    Column(_("State"), 10), Column(_("Online hours"), 10, "hours"), Column(_("Practice hours"), 10, "hours"),
    Column(_("Offline hours"), 10, "hours"), Column(_("Imported hours"), 10, "hours"),
    Column(_("Total hours"), 10, "hours"), Column(_("What is left"), 48),
)

CHUNK = 2000


def enrollment_rows(actor, program: Program, narrowed: list[str], *, state: str = "",
                    school_code: str = "", q: str = "") -> QuerySet[Enrollment]:
    qs = Enrollment.objects.filter(program=program).filter(path_q("org_path", narrowed))
    # Both capabilities: the rows are personal data (teachers.view) going out in a file (reports.export).
    qs = scope_filter(scope_filter(qs, actor, CAPABILITY), actor, Cap.TEACHERS_VIEW)
    if state:
        qs = qs.filter(state=state)
    if school_code:
        qs = qs.filter(school__code=school_code)
    if q:
        qs = qs.filter(teacher__name__contains=q)
    return qs


@table("teachers", title=_("Teachers and their progress"), columns=TEACHER_PROGRESS_COLUMNS,
       params=("program", "node", "state", "school", "q"))
def teacher_progress(actor, params: dict[str, str]) -> Source:
    program = _program(params)
    path, name, narrowed = _node_touching(actor, params)
    state = params.get("state", "")
    state = state if state in EnrollmentState.values else ""
    school_code = params.get("school", "")
    q = params.get("q", "")
    qs = enrollment_rows(actor, program, narrowed, state=state, school_code=school_code, q=q)
    states = dict(EnrollmentState.choices)

    def rows() -> Iterator[list]:
        values = qs.order_by("org_path", "teacher__name", "pk").values_list(
            "teacher__name", "school__code", "school__name", "teacher__id_encrypted", "teacher__id_last4", "state",
            "online_hours", "practice_hours", "offline_hours", "imported_hours", "total_hours", "explanation")
        labels = {k: str(v) for k, v in states.items()}
        for (t_name, s_code, s_name, id_encrypted, last4, st, online, practice, offline, imported, total,
             explanation) in values.iterator(chunk_size=CHUNK):
            yield [t_name, s_code, s_name, masked_id(id_encrypted, last4), labels.get(st, st),
                   _hours(online), _hours(practice), _hours(offline), _hours(imported), _hours(total), explanation]

    filters = [(str(_("Program")), program.name)]
    if state:
        filters.append((str(_("State")), str(states[state])))
    if school_code:
        filters.append((str(_("School code")), school_code))
    if q:
        filters.append((str(_("Teacher name")), q))
    return Source(node_name=name, node_path=path, filters=filters, count=qs.count, rows=rows,
                  roots=narrowed if narrowed != [path] else [])


# The people app's teacher list (花名册), with its filters.

ROSTER_COLUMNS = (
    Column(_("Name"), 10), Column(_("National ID"), 20), Column(_("School code"), 12), Column(_("School"), 28),
    Column(_("Stage"), 10), Column(_("Subject"), 10), Column(_("professional title"), 12),
    Column(_("Status"), 8),
)


@table("roster", title=_("Teachers"), columns=ROSTER_COLUMNS,
       params=("region", "school", "q", "stage", "subject", "status"))
def roster(actor, params: dict[str, str]) -> Source:
    from tisheng.people.choices import TeacherStatus, TeachingStage, Title
    from tisheng.people.selectors import teacher_list

    region = Region.objects.filter(code=params["region"]).first() if params.get("region") else None
    if params.get("region") and region is None:
        raise Http404
    path, name, narrowed = _node_touching(actor, {"node": region.path} if region else {})
    school = params.get("school", "")
    qs = teacher_list(actor, q=params.get("q", ""), school=int(school) if school.isdigit() else None,
                      stage=params.get("stage") or None, subject=params.get("subject") or None,
                      status=params.get("status") or None)
    qs = scope_filter(qs.filter(path_q("org_path", narrowed)), actor, CAPABILITY)
    stages, titles, statuses = (dict(TeachingStage.choices), dict(Title.choices), dict(TeacherStatus.choices))

    def rows() -> Iterator[list]:
        values = qs.order_by("org_path", "name", "pk").values_list(
            "name", "id_encrypted", "id_last4", "school__code", "school__name", "stage", "subject", "title", "status")
        for t_name, id_encrypted, last4, s_code, s_name, stage, subject, title, status in values.iterator(
                chunk_size=CHUNK):
            yield [t_name, masked_id(id_encrypted, last4), s_code, s_name, str(stages.get(stage, stage)), subject,
                   str(titles.get(title, title)), str(statuses.get(status, status))]

    labels = {"q": _("Search"), "school": _("School"), "stage": _("Stage"), "subject": _("Subject"),
              "status": _("Status")}
    shown = {"stage": stages, "status": statuses}
    filters = [(str(label), str(shown.get(key, {}).get(params[key], params[key])))
               for key, label in labels.items() if params.get(key)]
    return Source(node_name=name, node_path=path, filters=filters, count=qs.count, rows=rows,
                  roots=narrowed if narrowed != [path] else [])


# The learning app's monitor (网络研修): who selected enough, started, and when they last learned.

LEARNING_COLUMNS = (
    Column(_("Teacher"), 10), Column(_("School code"), 12), Column(_("School"), 28),
    Column(_("学时 selected"), 10, "hours"), Column(_("Started"), 8), Column(_("Online hours"), 10, "hours"),
    Column(_("Last activity"), 18), Column(_("Idle"), 8),
)


@table("learning", title=_("Online learning"), columns=LEARNING_COLUMNS, params=("program", "school", "idle"))
def learning(actor, params: dict[str, str]) -> Source:
    import datetime as dt

    from django.utils import timezone

    from tisheng.learning import selectors as learning_selectors

    program = Program.objects.filter(status="active", pk=params.get("program") or 0).first() or (
        Program.objects.filter(status="active").order_by("-start_date", "code").first())
    if program is None:
        raise Http404
    path, name, narrowed = _node_touching(actor, {})
    school = params.get("school", "")
    idle_only = params.get("idle") == "1"
    qs = learning_selectors.monitor_enrollments(actor, program, school_id=int(school) if school.isdigit() else None,
                                                idle_only=idle_only)
    qs = scope_filter(qs, actor, CAPABILITY)
    yes, no = str(_("Yes")), ""

    def rows() -> Iterator[list]:
        idle_before = timezone.now() - dt.timedelta(days=learning_selectors.IDLE_DAYS)
        chunk: list = []
        for enrollment in qs.iterator(chunk_size=CHUNK):
            chunk.append(enrollment)
            if len(chunk) == CHUNK:
                yield from _learning_rows(chunk, idle_before, yes, no)
                chunk = []
        yield from _learning_rows(chunk, idle_before, yes, no)

    filters = [(str(_("Program")), program.name)]
    if school.isdigit():
        school_name = scope_filter(School.objects.filter(pk=int(school)), actor, Cap.ORGS_VIEW).values_list(
            "name", flat=True).first()
        filters.append((str(_("School")), school_name or school))
    if idle_only:
        filters.append((str(_("Idle")), yes))
    return Source(node_name=name, node_path=path, filters=filters, count=qs.count, rows=rows)


def _learning_rows(chunk: list, idle_before, yes: str, no: str) -> Iterator[list]:
    """One chunk of the learning monitor: last activity for the chunk in one query."""
    if not chunk:
        return
    from tisheng.learning.selectors import last_activity_for
    from tisheng.monitoring.services.exports import SHANGHAI

    activity = last_activity_for(chunk)
    for e in chunk:
        last = activity.get(e.teacher_id)
        idle = e.started and last is not None and last < idle_before
        yield [e.teacher.name, e.school.code, e.school.name, _hours(e.selected), yes if e.started else no,
               _hours(e.online_hours), last.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if last else "",
               yes if idle else no]
