"""Reads of the diagnostic test: results, recommendations and who may see them.

Attempts are scoped like teachers (`teachers.view`): a teacher sees their own, a school admin
their school's, an office its subtree; anyone else gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.diagnostics import topics
from tisheng.diagnostics.models import Attempt, Instrument, MicroAbility, Topic
from tisheng.diagnostics.scoring import EXCELLENT, FAIL, PASS, band_of, cell_key
from tisheng.learning.models import Contract, Course
from tisheng.orgs.scope import get_object_for_user, scope_filter
from tisheng.people.models import Teacher
from tisheng.programs.models import Program

LEVEL_ONE_FIRST = gettext_noop("We advise you to take the level I topics (optimising classroom teaching) first.")
# More recommended topics than this, spread over both levels, and level I comes first.
LEVEL_ONE_FIRST_ABOVE = 6
BAND_LABELS = {
    FAIL: gettext_noop("Below standard"),
    PASS: gettext_noop("Qualified"),
    EXCELLENT: gettext_noop("Excellent"),
}
DEFAULT_ENVIRONMENT = "A"


@dataclass(frozen=True)
class Cell:
    level: str
    dimension: str
    score: float
    band: str


@dataclass
class DiagnosticResult:
    attempt: Attempt
    cells: list[Cell]
    topics: list[Topic] = field(default_factory=list)
    micro_abilities: list[MicroAbility] = field(default_factory=list)
    level_one_first: bool = False

    @property
    def is_micro(self) -> bool:
        return self.attempt.instrument.kind == Instrument.Kind.MICRO_2019

    @property
    def recommended_codes(self) -> list[str]:
        return [t.code for t in self.topics] + [m.code for m in self.micro_abilities]

    def charts(self) -> list[dict]:
        """One radar per level (1.0: I and II, 5 dimensions each; 2.0: one with 4)."""
        out = []
        levels = [""] if self.is_micro else list(topics.LEVELS)
        for level in levels:
            cells = [c for c in self.cells if c.level == level]
            out.append({"level": level, "dimensions": [c.dimension for c in cells],
                        "scores": [c.score for c in cells], "bands": [c.band for c in cells]})
        return out


def attempt_list(actor, *, program: Program | None = None) -> QuerySet[Attempt]:
    """Stored attempts the actor may view, with teacher, school and program in the same query."""
    qs = Attempt.objects.select_related("teacher", "teacher__school", "instrument", "instrument__program")
    if program is not None:
        qs = qs.filter(instrument__program=program)
    return scope_filter(qs, actor, Cap.TEACHERS_VIEW).order_by("org_path", "teacher__name", "id")


def get_attempt_for_user(actor, pk: int) -> Attempt:
    """The attempt, or 404 when it is not the actor's to see (another teacher's, another school's)."""
    qs = Attempt.objects.select_related("teacher", "teacher__school", "instrument", "instrument__program")
    return get_object_for_user(actor, qs, Cap.TEACHERS_VIEW, pk=pk)


def attempt_for(teacher: Teacher, program: Program) -> Attempt | None:
    return (Attempt.objects.filter(teacher=teacher, instrument__program=program)
            .select_related("teacher", "teacher__school", "instrument", "instrument__program").first())


def diagnostic_done(teacher: Teacher, program: Program) -> bool:
    """Whether the teacher has a stored attempt of the program's diagnostic test (course
    selection refuses until then where the rule set says `diagnostic_required`)."""
    return Attempt.objects.filter(teacher=teacher, instrument__program=program).exists()


def _cells(attempt: Attempt) -> list[Cell]:
    bands = list(attempt.instrument.bands.all())
    if attempt.instrument.kind == Instrument.Kind.MICRO_2019:
        grid = [("", d) for d in topics.MICRO_DIMENSIONS]
    else:
        grid = [(lv, d) for lv in topics.LEVELS for d in topics.DIMENSIONS]
    cells = []
    for level, dimension in grid:
        key = cell_key(level, dimension)
        if key not in attempt.scores:
            continue  # the instrument has no item there
        score = attempt.scores[key]
        cells.append(Cell(level, dimension, score, band_of(bands, level, dimension, score)))
    return cells


def _environments_for(attempt: Attempt) -> list[str]:
    """The school's environment group, then the lower groups where the program's rules allow
    them (A 多媒体 < B 混合 < C 智慧)."""
    own = attempt.teacher.school.environment or DEFAULT_ENVIRONMENT
    rule = attempt.instrument.program.ruleset.micro_abilities
    if rule is None or not rule.allow_lower_environments:
        return [own]
    return [own] + [e for e in reversed(topics.ENVIRONMENTS) if e < own]


def diagnostic_result(attempt: Attempt) -> DiagnosticResult:
    """Bands per cell and what they recommend: a cell below 合格 recommends its level's topics
    of that dimension (1.0) or the micro-abilities of that dimension in the school's
    environment group (2.0). More than six topics across both levels: take level I first."""
    cells = _cells(attempt)
    result = DiagnosticResult(attempt=attempt, cells=cells)
    weak = [(c.level, c.dimension) for c in cells if c.band == FAIL]
    if not weak:
        return result
    if result.is_micro:
        environments = _environments_for(attempt)
        dims = {d for _, d in weak}
        found = MicroAbility.objects.filter(environment__in=environments, dimension__in=dims)
        # The school's own group first, then the lower ones the program allows.
        result.micro_abilities = sorted(found, key=lambda m: (environments.index(m.environment), m.pk))
        return result
    result.topics = [t for t in Topic.objects.all() if (t.level, t.dimension) in set(weak)]
    levels = {t.level for t in result.topics}
    result.level_one_first = len(result.topics) > LEVEL_ONE_FIRST_ABOVE and levels >= set(topics.LEVELS)
    return result


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def contracted_courses(teacher: Teacher, program: Program) -> QuerySet[Course]:
    """Published courses of the program from the institutions serving the teacher's region.
    The learning app's rule decides which contracts count (a city's choice replaces the
    province's selection); without it, any contract at or above the teacher's school."""
    try:
        from tisheng.learning.selectors import contracted_institutions_for
    except ImportError:
        institutions = (Contract.objects.filter(program=program, region_path__in=_ancestor_paths(teacher.org_path))
                        .values("institution_id"))
    else:
        institutions = contracted_institutions_for(teacher, program)
    return Course.objects.filter(program=program, status=Course.Status.PUBLISHED, institution_id__in=institutions)


def recommended_course_ids(teacher: Teacher, program: Program) -> list[int]:
    """Ids of the courses the teacher's diagnostic result recommends: contracted, published
    courses of the program whose topics (1.0) or micro-abilities (2.0) meet a recommended one,
    the best match first. Empty before the test, or when nothing is below 合格."""
    attempt = attempt_for(teacher, program)
    if attempt is None:
        return []
    result = diagnostic_result(attempt)
    wanted = set(result.recommended_codes)
    if not wanted:
        return []
    field_name = "micro_abilities" if result.is_micro else "topics"
    # The candidate set is already scoped by contract; the overlap of two JSON lists is
    # computed here because SQLite has no JSON containment.
    ranked = []
    for pk, code, codes in contracted_courses(teacher, program).values_list("pk", "code", field_name):
        overlap = len(wanted & set(codes or []))
        if overlap:
            ranked.append((-overlap, code, pk))
    return [pk for _, _, pk in sorted(ranked)]
