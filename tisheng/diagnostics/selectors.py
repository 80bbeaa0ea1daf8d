"""Reads of the diagnostic test: results, recommendations and who may see them.

Attempts are scoped like teachers (`teachers.view`): a teacher sees their own, a school admin
their school's, an office its subtree; anyone else gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.diagnostics import topics
from tisheng.diagnostics.models import Attempt, Instrument, MicroAbility, Topic
from tisheng.diagnostics.scoring import EXCELLENT, FAIL, PASS, PointFacts, band_of, cell_key, focused_points
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
# Why a capability point is recommended, in the teacher's own answers.
REASON_ANSWER = gettext_noop("You answered “%(answer)s” to “%(question)s”.")
REASON_DIMENSION = gettext_noop("%(dimension)s scored %(score)s (%(band)s).")
REASON_COVER = gettext_noop("Covers %(dimension)s (your score there: %(score)s, %(band)s).")


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
        """What courses are recommended for: the weak topics or points (a 2.0 point suggested
        only to cover the rule's dimensions is not weak, and brings no course)."""
        return [t.code for t in self.topics] + [m.code for m in self.micro_abilities if getattr(m, "weak", True)]

    @property
    def any_weak_point(self) -> bool:
        return any(getattr(m, "weak", False) for m in self.micro_abilities)

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
    """Bands per cell and what they recommend. 1.0: a cell below 合格 recommends its level's
    topics of that dimension; more than six topics across both levels: take level I first.
    2.0: a focused set of 3 to 5 capability points of the school's environment group (and the
    lower groups the program allows), the weakest by the teacher's own answers first, spread
    over the dimensions the rule asks the chosen points to cover, each with its reason."""
    cells = _cells(attempt)
    result = DiagnosticResult(attempt=attempt, cells=cells)
    if result.is_micro:
        # 2.0 always suggests where to start: the teacher must choose points even when nothing is weak.
        result.micro_abilities = _focused_micro_abilities(attempt, cells)
        return result
    weak = [(c.level, c.dimension) for c in cells if c.band == FAIL]
    if not weak:
        return result
    result.topics = [t for t in Topic.objects.all() if (t.level, t.dimension) in set(weak)]
    levels = {t.level for t in result.topics}
    result.level_one_first = len(result.topics) > LEVEL_ONE_FIRST_ABOVE and levels >= set(topics.LEVELS)
    return result


def _answered_points(attempt: Attempt) -> dict[str, list[tuple[float, str, str]]]:
    """point code → (percent, question, chosen answer) of each answered question that names it."""
    out: dict[str, list[tuple[float, str, str]]] = {}
    for item in attempt.instrument.items.all():
        index = attempt.answers.get(str(item.pk))
        if not item.micro_abilities or index is None or not 0 <= int(index) < len(item.choices) or not item.max_score:
            continue
        choice = item.choices[int(index)]
        percent = 100 * int(choice["score"]) / item.max_score
        for code in item.micro_abilities:
            out.setdefault(code, []).append((percent, item.text, str(choice.get("label", ""))))
    return out


def _focused_micro_abilities(attempt: Attempt, cells: list[Cell]) -> list[MicroAbility]:
    """The focused set (scoring.focused_points) among the points of the school's group and
    the lower groups the program allows, each with `weak` and `reason` (the answer that
    makes it weak, or its dimension's score) set on it. Three queries."""
    environments = _environments_for(attempt)
    bands = list(attempt.instrument.bands.all())
    by_dimension = {c.dimension: c for c in cells}
    answered = _answered_points(attempt)
    candidates = {m.code: m for m in MicroAbility.objects.filter(environment__in=environments)}
    facts = []
    for m in candidates.values():
        cell = by_dimension.get(m.dimension)
        if cell is None:
            continue
        own = answered.get(m.code)
        score = round(sum(p for p, _q, _a in own) / len(own), 1) if own else cell.score
        weak = cell.band == FAIL or band_of(bands, "", m.dimension, score) == FAIL
        facts.append(PointFacts(code=m.code, dimension=m.dimension, score=score, weak=weak,
                                order=(environments.index(m.environment), m.pk)))
    rule = attempt.instrument.program.ruleset.micro_abilities
    picked = focused_points(facts, min_points=rule.min_points if rule else 3,
                            min_dimensions=rule.min_dimensions if rule else 3)
    out = []
    for p in picked:
        m = candidates[p.code]
        m.weak, m.score = p.weak, p.score
        own = answered.get(p.code)
        cell = by_dimension[p.dimension]
        values = {"dimension": p.dimension, "score": f"{cell.score:g}", "band": _(BAND_LABELS[cell.band])}
        if not p.weak:
            m.reason = _(REASON_COVER) % values
        elif own:
            _percent, question, answer = min(own)
            m.reason = _(REASON_ANSWER) % {"question": question, "answer": answer}
        else:
            m.reason = _(REASON_DIMENSION) % values
        out.append(m)
    return out


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
