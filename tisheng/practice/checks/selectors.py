"""Reads of the checks app, scoped: spot checks and their items, near-duplicates of a
submission, and the practice overviews of a school, a county, a city and the province
(aggregate queries only: a page's query count does not grow with its teachers or children)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.scope import capability_paths, path_in_scope, path_q
from tisheng.people.models import Teacher
from tisheng.practice.checks.models import SimilarityMatch, SpotCheck, SpotCheckItem
from tisheng.practice.models import Grade, PeerAssignment, PointChoice, PointResult, Review, Submission
from tisheng.programs.models import Program
from tisheng.programs.selectors import whole_staff_first

LIST_LIMIT = 200


def practice_programs() -> list[Program]:
    """Programs whose rules ask for micro-abilities (2.0), newest first, a track's after the whole
    staff's (a handful of rows)."""
    return [p for p in whole_staff_first(Program.objects.order_by("-start_date", "-pk")) if p.ruleset.micro_abilities]


def default_program(program_id: str | int | None = None) -> Program | None:
    programs = practice_programs()
    if program_id:
        return next((p for p in programs if str(p.pk) == str(program_id)), None)
    return next((p for p in programs if p.status == "active"), programs[0] if programs else None)


# Spot checks -----------------------------------------------------------------------------


def spot_checks_for(actor) -> QuerySet[SpotCheck]:
    """The draws of the counties where the actor manages spot checks."""
    return SpotCheck.objects.filter(path_q("region_path", capability_paths(actor, Cap.PRACTICE_SPOT_CHECK)))


def get_spot_check_for_user(actor, pk: int) -> SpotCheck:
    check = spot_checks_for(actor).select_related("program", "region").filter(pk=pk).first()
    if check is None:
        raise Http404
    return check


def review_items_for(actor) -> QuerySet[SpotCheckItem]:
    """The items assigned to the actor, while they hold the reviewer role over them."""
    return SpotCheckItem.objects.filter(
        path_q("org_path", capability_paths(actor, Cap.PRACTICE_SPOT_REVIEW)), reviewer=actor)


def get_item_for_user(actor, pk: int) -> SpotCheckItem:
    """An item for its assigned reviewer or for the county office that drew it; 404 for
    anyone else (other reviewers of the same college included)."""
    managed = path_q("spot_check__region_path", capability_paths(actor, Cap.PRACTICE_SPOT_CHECK))
    reviewing = path_q("org_path", capability_paths(actor, Cap.PRACTICE_SPOT_REVIEW)) & Q(reviewer=actor)
    item = (SpotCheckItem.objects.filter(managed | reviewing, pk=pk)
            .select_related("spot_check__program", "school", "reviewer", "result__teacher", "result__point",
                            "result__point_version", "result__decided_by").first())
    if item is None:
        raise Http404
    return item


def item_submissions(item: SpotCheckItem) -> QuerySet[Submission]:
    """The current evidence of the sampled point (the tasks of its assessed version), with
    the team's grades."""
    result = item.result
    return (Submission.objects.filter(program_id=result.program_id, teacher_id=result.teacher_id,
                                      task__point_version_id=result.point_version_id, is_current=True)
            .select_related("task", "similarity_signature").order_by("task__order", "task_id")
            .annotate(flagged=ExpressionWrapper(flag_condition(), output_field=BooleanField())))


def team_reviews(submission_ids) -> dict[int, Review]:
    reviews: dict[int, Review] = {}
    for review in Review.objects.filter(submission_id__in=list(submission_ids), stage=Review.Stage.TEAM).order_by(
            "created_at", "pk"):
        reviews[review.submission_id] = review
    return reviews


def school_failure_shares(check: SpotCheck) -> list[dict]:
    """Per school of the draw: sampled, checked, failed and whether it was returned."""
    rows = (check.items.values("school_id", "school__name", "school__code")
            .annotate(sampled=Count("pk"),
                      checked=Count("pk", filter=~Q(outcome=SpotCheckItem.Outcome.PENDING)),
                      failed=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.FAILED)),
                      unassigned=Count("pk", filter=Q(reviewer__isnull=True)))
            .order_by("school__code"))
    returned = set(check.school_returns.values_list("school_id", flat=True))
    out = []
    for row in rows:
        row["share"] = row["failed"] / row["sampled"] if row["sampled"] else 0
        row["returned"] = row["school_id"] in returned
        out.append(row)
    return out


# Similarity ------------------------------------------------------------------------------


def get_submission_for_reviewer(actor, pk: int) -> Submission:
    """A submission for someone who reviews practice over it (a school team, an office,
    the teacher college) or its spot-check reviewer; 404 otherwise (its own teacher too:
    the similarity report is for reviewers)."""
    paths = capability_paths(actor, Cap.PRACTICE_VIEW)
    qs = Submission.objects.select_related("teacher__school", "task__point_version")
    submission = qs.filter(path_q("teacher__org_path", paths), pk=pk).first()
    if submission is None:
        reviewing = review_items_for(actor).filter(result__teacher_id=OuterRef("teacher_id"),
                                                   result__point_version_id=OuterRef("task__point_version_id"))
        submission = qs.filter(Exists(reviewing), pk=pk).first()
    if submission is None:
        raise Http404
    return submission


@dataclass
class SimilarText:
    match: SimilarityMatch
    other: Submission
    teacher_label: str
    in_scope: bool
    left: list = field(default_factory=list)
    right: list = field(default_factory=list)
    copies_this: bool = False  # the other text was indexed later and draws on this one


def similar_texts(actor, submission: Submission) -> list[SimilarText]:
    """The submission's sources and its copies, in both directions (texts it draws on and
    texts indexed later that draw on it), the largest share first, with both texts cut into
    shared / own passages. The other teacher's name is shown only where the actor's scope
    reaches; otherwise masked."""
    from tisheng.practice.checks.similarity import shared_segments

    matches = (SimilarityMatch.objects.filter(Q(submission=submission) | Q(other=submission))
               .select_related("submission__teacher__school", "other__teacher__school", "submission__task",
                               "other__task")
               .order_by("-containment", "-jaccard", "pk"))
    out = []
    for match in matches:
        other = match.other if match.submission_id == submission.pk else match.submission
        in_scope = path_in_scope(actor, Cap.PRACTICE_VIEW, other.teacher.org_path)
        label = other.teacher.name if in_scope else mask_name(other.teacher.name)
        left, right = shared_segments(submission.text, other.text)
        out.append(SimilarText(match=match, other=other, teacher_label=label, in_scope=in_scope, left=left,
                               right=right, copies_this=match.other_id == submission.pk))
    return out


def flag_condition(prefix: str = "") -> Q:
    """Submissions whose copied share reaches their program's `similarity_flag_share`: one
    condition per program (a handful of rows), so a list filters in SQL."""
    field = f"{prefix}similarity_signature__copied_share__gte"
    condition = Q(**{f"{prefix}pk__isnull": True})  # no program: nothing flagged
    for pk, rules in Program.objects.values_list("pk", "rules"):
        share = Program(pk=pk, rules=rules).ruleset.similarity_flag_share
        condition |= Q(**{f"{prefix}program_id": pk, field: float(share)})
    return condition


def similarity_flags(submission_ids) -> dict[int, float]:
    """The copied share of each of these submissions that reaches its program's flag share
    (for a grading page to flag them: two queries; the caller has already scoped the ids)."""
    ids = list(submission_ids)
    return dict(Submission.objects.filter(flag_condition(), pk__in=ids)
                .values_list("pk", "similarity_signature__copied_share"))


def flag_share(program: Program | None) -> float:
    """The flag share the list explains (the program's, or the default)."""
    from tisheng.programs.rules import RuleSet

    if program is not None:
        return float(program.ruleset.similarity_flag_share)
    return float(RuleSet.model_fields["similarity_flag_share"].default)


def mask_name(name: str) -> str:
    """林晓燕 → 林**: the family name only."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def flagged_submissions(actor, program: Program | None = None) -> QuerySet[Submission]:
    """Submissions in the actor's practice scope whose copied share reaches their program's
    flag share, the largest share first."""
    paths = capability_paths(actor, Cap.PRACTICE_VIEW)
    qs = Submission.objects.filter(path_q("teacher__org_path", paths), is_current=True).filter(flag_condition())
    if program is not None:
        qs = qs.filter(program=program)
    return (qs.select_related("teacher__school", "task__point_version", "similarity_signature")
            .order_by("-similarity_signature__copied_share", "-created_at", "-pk"))


# Overviews -------------------------------------------------------------------------------


def _under(field_name: str, path: str) -> Q:
    return Q(**{field_name: path}) | Q(**{f"{field_name}__startswith": path + "/"})


def _flag_conditions(program: Program) -> dict[str, Exists]:
    """chose / submitted / waiting (a current submission without the team's grade), as
    conditions on a teacher row."""
    choices = PointChoice.objects.filter(program=program, teacher=OuterRef("pk"))
    current = Submission.objects.filter(program=program, teacher=OuterRef("pk"), is_current=True)
    graded = Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM)
    waiting = Submission.objects.filter(program=program, teacher=OuterRef("pk"), is_current=True).exclude(
        Exists(graded))
    return {"chose": Exists(choices), "submitted": Exists(current), "waiting": Exists(waiting)}


def _teachers(path: str) -> QuerySet[Teacher]:
    return Teacher.objects.filter(_under("org_path", path), status="active")


def _flag_counts(program: Program) -> dict:
    c = _flag_conditions(program)
    return {
        "teachers": Count("pk"),
        "not_chosen": Count("pk", filter=~Q(c["chose"])),
        "not_submitted": Count("pk", filter=Q(c["chose"]) & ~Q(c["submitted"])),
        "waiting": Count("pk", filter=Q(c["waiting"])),
    }


def _teacher_flags(program: Program, path: str) -> QuerySet[Teacher]:
    """Active teachers under `path`, each annotated with chose / submitted / waiting."""
    return _teachers(path).annotate(**_flag_conditions(program))


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def point_rows(program: Program, path: str) -> list[dict]:
    """Per point: teachers who chose it, results decided, passed, excellent, returned, with
    pass and excellent rates over the decided results (2 queries)."""
    chosen = dict(PointChoice.objects.filter(_under("teacher__org_path", path), program=program)
                  .values("point_id").annotate(n=Count("pk")).values_list("point_id", "n"))
    rows = {}
    for row in (PointResult.objects.filter(_under("org_path", path), program=program)
                .values("point_id", "point__code", "point__name", "point__dimension")
                .annotate(**_result_counts())):
        rows[row["point_id"]] = row
    from tisheng.diagnostics.models import MicroAbility

    points = MicroAbility.objects.filter(pk__in=set(chosen) | set(rows)).order_by("pk")
    out = []
    for point in points:
        row = rows.get(point.pk) or {"decided": 0, "passed": 0, "excellent": 0, "returned": 0, "failed": 0}
        out.append({"code": point.code, "name": point.name, "dimension": point.dimension,
                    "chosen": chosen.get(point.pk, 0), **_with_rates(row)})
    return out


def dimension_rows(program: Program, path: str) -> list[dict]:
    """Per dimension: the same counts over its points (1 query)."""
    rows = (PointResult.objects.filter(_under("org_path", path), program=program)
            .values("point__dimension").annotate(**_result_counts()).order_by("point__dimension"))
    return [{"dimension": row["point__dimension"], **_with_rates(row)} for row in rows]


def _result_counts() -> dict:
    assessed = Q(status=PointResult.Status.ASSESSED)
    return {
        "decided": Count("pk", filter=assessed),
        "passed": Count("pk", filter=assessed & Q(result__in=(Grade.EXCELLENT, Grade.PASS))),
        "excellent": Count("pk", filter=assessed & Q(result=Grade.EXCELLENT)),
        "failed": Count("pk", filter=assessed & Q(result=Grade.FAIL)),
        "returned": Count("pk", filter=Q(status=PointResult.Status.RETURNED)),
    }


def _with_rates(row: dict) -> dict:
    return {"decided": row["decided"], "passed": row["passed"], "excellent": row["excellent"],
            "failed": row["failed"], "returned": row["returned"],
            "pass_rate": _rate(row["passed"], row["decided"]), "excellent_rate": _rate(row["excellent"], row["decided"])}


def teacher_summary(program: Program, path: str) -> dict:
    """Teachers under `path`: total, not chosen, chosen but not submitted, waiting for the
    team's grade (1 query)."""
    return _teachers(path).aggregate(**_flag_counts(program))


def teacher_lists(program: Program, path: str, limit: int = LIST_LIMIT) -> dict[str, list]:
    """The names behind the summary (each list capped at `limit`; 3 queries)."""
    flags = _teacher_flags(program, path).only("pk", "name", "subject", "org_path").order_by("name", "pk")
    return {
        "not_chosen": list(flags.filter(chose=False)[:limit]),
        "not_submitted": list(flags.filter(chose=True, submitted=False)[:limit]),
        "waiting": list(flags.filter(waiting=True)[:limit]),
    }


# Children of a node: the schools of a county, the counties of a city, the cities of the
# province. Every number is one GROUP BY on the prefix of the rows' path that names the
# child, separator included ("35/3501/" never counts "35/35010/…"), so a page takes the
# same queries for 3 children as for 90. A school's teachers carry its path exactly, hence
# the "/" appended before cutting.


def _child_nodes(path: str, level: str) -> list[dict]:
    """The children of the region at `path` (of `level`), sorted by code (1 query)."""
    if level == RegionLevel.COUNTY:
        nodes = School.objects.filter(path__startswith=path + "/")
        kind = "school"
    else:
        nodes = Region.objects.filter(parent__path=path)
        kind = "region"
    return [{"kind": kind, "pk": pk, "code": code, "name": name, "path": child_path}
            for pk, code, name, child_path in nodes.order_by("code").values_list("pk", "code", "name", "path")]


def _group_by_child(qs: QuerySet, field_name: str, paths: set[str], **aggregates) -> dict[str, dict]:
    """{child path: aggregates} of `qs` grouped on the prefix of `field_name` that names a
    child (one query per distinct length of the children's paths, nearly always one)."""
    found: dict[str, dict] = {}
    for length in sorted({len(p) for p in paths}):
        prefix = Substr(Concat(field_name, Value("/")), 1, length + 1)
        for row in qs.order_by().annotate(child=prefix).values("child").annotate(**aggregates):
            cut = row.pop("child")
            if cut.endswith("/") and cut[:-1] in paths:
                found[cut[:-1]] = row
    return found


def child_rows(program: Program, path: str, level: str) -> list[dict]:
    """Per child of the region at `path`: teachers, how many chose points and submitted
    evidence, passed and excellent points with their rates over the assessed ones, the
    school team's queue and the spot-check items still to check in open draws. A child
    without teachers is a row of zeros (5 queries, whatever the number of children)."""
    nodes = _child_nodes(path, level)
    paths = {node["path"] for node in nodes}
    if not paths:
        return []
    c = _flag_conditions(program)
    teachers = _group_by_child(_teachers(path), "org_path", paths, **_flag_counts(program),
                               submitted=Count("pk", filter=Q(c["submitted"])))
    results = _group_by_child(PointResult.objects.filter(_under("org_path", path), program=program),
                              "org_path", paths, **_result_counts())
    queues = _group_by_child(team_queue(program, path), "teacher__org_path", paths, n=Count("pk"))
    spot = _group_by_child(
        SpotCheckItem.objects.filter(_under("org_path", path), spot_check__program=program,
                                     spot_check__status=SpotCheck.Status.OPEN,
                                     outcome=SpotCheckItem.Outcome.PENDING),
        "org_path", paths, n=Count("pk"))
    empty_teachers = {"teachers": 0, "not_chosen": 0, "not_submitted": 0, "waiting": 0, "submitted": 0}
    empty_results = {"decided": 0, "passed": 0, "excellent": 0, "failed": 0, "returned": 0}
    out = []
    for node in nodes:
        counts = teachers.get(node["path"], empty_teachers)
        out.append({**node, **counts, "chosen": counts["teachers"] - counts["not_chosen"],
                    **_with_rates(results.get(node["path"], empty_results)),
                    "queue": queues.get(node["path"], {}).get("n", 0),
                    "spot_backlog": spot.get(node["path"], {}).get("n", 0)})
    return out


def team_queue(program: Program, path: str) -> QuerySet[Submission]:
    """Current submissions under `path` the school team has not graded yet."""
    graded = Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM)
    return Submission.objects.filter(_under("teacher__org_path", path), program=program, is_current=True).filter(
        ~Exists(graded))


def peer_backlog(program: Program, path: str) -> list[dict]:
    """Per peer reviewer: assigned points with current evidence they have not reviewed yet
    (1 query)."""
    current = Submission.objects.filter(program=program, teacher=OuterRef("teacher_id"), is_current=True,
                                        task__point_version__point_id=OuterRef("point_id"))
    reviewed = Review.objects.filter(
        stage=Review.Stage.PEER, reviewer_id=OuterRef("reviewer__user_id"), submission__is_current=True,
        submission__program=program, submission__teacher=OuterRef("teacher_id"),
        submission__task__point_version__point_id=OuterRef("point_id"))
    return list(
        PeerAssignment.objects.filter(_under("teacher__org_path", path), program=program)
        .filter(Exists(current), ~Exists(reviewed))
        .values("reviewer_id", "reviewer__name").annotate(pending=Count("pk")).order_by("-pending", "reviewer__name"))


def spot_check_backlog(program: Program, path: str) -> list[dict]:
    """Per spot-check reviewer: items assigned and not yet checked (1 query)."""
    return list(
        SpotCheckItem.objects.filter(_under("org_path", path), spot_check__program=program,
                                     outcome=SpotCheckItem.Outcome.PENDING, reviewer__isnull=False)
        .values("reviewer_id", "reviewer__name").annotate(pending=Count("pk")).order_by("-pending", "reviewer__name"))


def require_practice_scope(actor, path: str) -> None:
    """404 unless the actor sees practice at `path` through an office, school or college
    role (a teacher's own scope does not open an overview)."""
    if not path_in_scope(actor, Cap.PRACTICE_VIEW, path):
        raise Http404
