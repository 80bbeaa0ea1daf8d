"""督导 results in the school-evaluation export (certificates/school_indicators.py, MOE 三.5:
the county's supervision of schools "enters school evaluations and principals' appraisals").

Each school's latest finished inspection: its overall grade, the round and the day it was
graded. Only a graded inspection counts (a grade is final once given: services.inspection_grade);
findings recorded while the inspection is still pending are a draft and stay out. A school no
round has graded gets the same columns, empty, so every row carries the same keys.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import pgettext

from tisheng.orgs.models import School
from tisheng.programs.models import Program
from tisheng.supervision.models import Grade, Inspection


def labels() -> tuple[str, str, str]:
    return (pgettext("school indicators", "Inspection grade"), pgettext("school indicators", "Inspection round"),
            pgettext("school indicators", "Inspection graded on"))


def inspection_indicators(program: Program, school_ids: list[int]) -> dict[int, dict[str, object]]:
    """One statement for all the schools: their graded inspections, newest first, each with its
    school's id found by the unit's path (an inspection names its unit by path). Any program's
    round counts: the school's supervision result is the school's, not one program's."""
    grade_label, round_label, day_label = labels()
    out: dict[int, dict[str, object]] = {pk: {grade_label: "", round_label: "", day_label: ""} for pk in school_ids}
    if not school_ids:
        return out
    paths = School.objects.filter(pk__in=school_ids).values("path")
    school = School.objects.filter(path=OuterRef("unit_path")).values("pk")[:1]
    graded = (Inspection.objects.filter(status=Inspection.Status.GRADED, round__unit_level="school",
                                        unit_path__in=paths)
              .exclude(grade="").annotate(school_id=Subquery(school))
              .order_by("-graded_at", "-pk").values_list("school_id", "grade", "round__title", "graded_at"))
    seen: set[int] = set()
    for school_id, grade, title, graded_at in graded:
        if school_id in seen:
            continue
        seen.add(school_id)
        out[school_id] = {grade_label: str(Grade(grade).label) if grade in Grade.values else grade,
                          round_label: title,
                          day_label: f"{timezone.localtime(graded_at):%Y-%m-%d}" if graded_at else ""}
    return out
