"""Issue 19: a county's inspection grades feed the school-evaluation export (办学评估 / 校长考评):
each school's latest graded inspection — grade, round, day — in the page, the .xlsx and the API;
a grade still being drafted does not show; a school never inspected shows empty."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from openpyxl import load_workbook

from tisheng.certificates.school_indicators import school_indicators
from tisheng.supervision import services
from tisheng.supervision.indicators import inspection_indicators, labels
from tisheng.supervision.rubric import preset

GRADE, ROUND, DAY = "督导评定", "督导轮次", "督导评定日期"


def _round(world, program, inspector, title):
    r = services.round_create(actor=world.county_officer, region=world.county_a, program=program, title=title,
                              kind="regular", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 12, 31),
                              indicators=preset("regular", "school"))
    services.inspectors_assign(actor=world.county_officer, round_=r, inspector=inspector,
                               inspections=list(r.inspections.all()))
    return r


def _find_all(inspector, inspection, grade):
    services.findings_record(actor=inspector, inspection=inspection,
                             entries=[{"indicator": i["code"], "grade": grade, "comment": ""}
                                      for i in inspection.round.indicators])


@pytest.fixture
def graded(world, numbers, inspector):
    """The county's spring round graded school A "pass"; its autumn round graded it "excellent"
    (the latest) and has school A2's findings recorded but no overall grade yet (a draft)."""
    spring = _round(world, numbers, inspector, "春季学校督导")
    a = spring.inspections.get(unit_path=world.school_a.path)
    _find_all(inspector, a, "pass")
    services.inspection_grade(actor=inspector, inspection=a, grade="pass", summary="")
    autumn = _round(world, numbers, inspector, "秋季学校督导")
    a = autumn.inspections.get(unit_path=world.school_a.path)
    _find_all(inspector, a, "excellent")
    services.inspection_grade(actor=inspector, inspection=a, grade="excellent", summary="")
    _find_all(inspector, autumn.inspections.get(unit_path=world.school_a2.path), "fail")
    return autumn


@pytest.fixture
def inspector(world):
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.tests.factories import UserFactory

    user = UserFactory(name="县督学", phone="13700000119")
    RoleAssignment.objects.create(user=user, role="inspector", region=world.county_a)
    return user


def test_the_latest_graded_inspection_joins_the_school_row(world, numbers, graded):
    with override("zh-hans"):
        rows = {r.code: r for r in school_indicators(numbers, world.county_a)}
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert rows[world.school_a.code].extra[GRADE] == "优秀"
    assert rows[world.school_a.code].extra[ROUND] == "秋季学校督导"
    assert rows[world.school_a.code].extra[DAY] == today
    # School A2's findings are recorded but nobody has given the overall grade: nothing shows.
    assert rows[world.school_a2.code].extra[GRADE] == ""
    assert rows[world.school_a2.code].extra[ROUND] == ""


def test_a_school_never_inspected_has_the_columns_empty(world, numbers, inspector):
    with override("zh-hans"):
        rows = {r.code: r for r in school_indicators(numbers, world.county_a)}
    assert {k: rows[world.school_a.code].extra[k] for k in (GRADE, ROUND, DAY)} == {GRADE: "", ROUND: "", DAY: ""}


def test_page_workbook_and_api_carry_the_grade(client, world, numbers, graded):
    client.force_login(world.county_officer)
    page = client.get(reverse("certificates:indicators"), {"county": world.county_a.pk, "program": numbers.pk},
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert GRADE in html
    assert "秋季学校督导" in html
    assert "优秀" in html
    assert "None" not in html

    response = client.get(reverse("certificates:indicators_xlsx"), {"county": world.county_a.pk,
                                                                     "program": numbers.pk},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    header = rows[2]
    line = next(r for r in rows if r[0] == world.school_a.code)
    assert line[header.index(GRADE)] == "优秀"
    assert line[header.index(ROUND)] == "秋季学校督导"
    draft = next(r for r in rows if r[0] == world.school_a2.code)
    assert draft[header.index(GRADE)] in ("", None)

    body = client.get("/api/v1/school-indicators", {"county": world.county_a.code, "program": numbers.code},
                      HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    schools = {s["code"]: s for s in body["schools"]}
    assert schools[world.school_a.code]["extra"][GRADE] == "优秀"
    assert schools[world.school_a2.code]["extra"][GRADE] == ""


def test_the_other_county_gets_404(client, world, numbers, graded):
    client.force_login(world.outsider)
    assert client.get(reverse("certificates:indicators"), {"county": world.county_a.pk}).status_code == 404
    assert client.get(reverse("certificates:indicators_xlsx"), {"county": world.county_a.pk}).status_code == 404
    assert client.get("/api/v1/school-indicators", {"county": world.county_a.code}).status_code == 404


def test_one_statement_for_all_the_schools(world, numbers, graded):
    from tisheng.orgs.tests.factories import SchoolFactory

    ids = [world.school_a.pk, world.school_a2.pk]
    with CaptureQueriesContext(connection) as few:
        inspection_indicators(numbers, ids)
    ids += [SchoolFactory(county=world.county_a).pk for _ in range(3)]
    with CaptureQueriesContext(connection) as more:
        out = inspection_indicators(numbers, ids)
    assert len(few) == len(more) == 1
    assert set(out) == set(ids)
    assert inspection_indicators(numbers, []) == {}
    assert len(labels()) == 3


def test_every_row_has_the_same_columns_when_a_domain_names_only_some_schools(monkeypatch, world, numbers, graded):
    """The page prints each row's extra values in order under one header: a domain that names
    only the schools it has something for (the leadership plan reviews) must not shift them."""
    from tisheng.certificates import school_indicators as si

    monkeypatch.setattr(si, "_PROVIDERS", [*si._PROVIDERS, ("partial", lambda _p, _ids: {world.school_a.pk: {"甲": 1}})])
    with override("zh-hans"):
        rows = si.school_indicators(numbers, world.county_a)
    assert len({tuple(r.extra) for r in rows}) == 1
    other = next(r for r in rows if r.code == world.school_a2.code)
    assert other.extra["甲"] is None
