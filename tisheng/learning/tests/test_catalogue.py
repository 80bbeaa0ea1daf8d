import pytest
from django.urls import reverse

from tisheng.learning import selectors
from tisheng.learning.tests.factories import contract, course, enroll, institution


@pytest.fixture
def catalogue(world, program_1):
    """The province selects 甲 and 乙; 福州市 chooses only 甲 for its area; 丙 is not selected."""
    a, _ = institution(world, "INST-A", "甲机构", "13600000001")
    b, _ = institution(world, "INST-B", "乙机构", "13600000002")
    c, _ = institution(world, "INST-C", "丙机构", "13600000003")
    contract(program_1, a, world.province)
    contract(program_1, b, world.province)
    contract(program_1, a, world.city_a)
    enroll(program_1, world.teacher, world.teacher_b)
    return {
        "a1": course(program_1, a, "A1", topics=("T1", "T12"), subjects=("语文",), stages=("primary",),
                     title="信息技术与语文教学"),
        "a2": course(program_1, a, "A2", topics=("T2",), subjects=("数学",), stages=("junior",)),
        "a_draft": course(program_1, a, "A3", status="draft"),
        "b1": course(program_1, b, "B1"),
        "c1": course(program_1, c, "C1"),
    }


def _codes(qs) -> set[str]:
    return {c.code for c in qs}


def test_a_citys_choice_replaces_the_provinces_selection_for_its_teachers(world, program_1, catalogue):
    assert _codes(selectors.catalogue_for_teacher(world.teacher, program_1)) == {"A1", "A2"}


def test_a_teacher_elsewhere_sees_every_institution_the_province_selected(world, program_1, catalogue):
    assert _codes(selectors.catalogue_for_teacher(world.teacher_b, program_1)) == {"A1", "A2", "B1"}


def test_drafts_and_uncontracted_institutions_never_show(world, program_1, catalogue):
    shown = _codes(selectors.catalogue_for_teacher(world.teacher_b, program_1))
    assert "A3" not in shown
    assert "C1" not in shown


def test_a_teacher_in_a_program_without_contracts_sees_nothing(world, program_2, catalogue):
    assert not selectors.catalogue_for_teacher(world.teacher, program_2).exists()


@pytest.mark.parametrize(("filters", "expected"), [
    ({"topic": "T12"}, {"A1"}),
    ({"topic": "T1"}, {"A1"}),
    ({"subject": "数学"}, {"A2"}),
    ({"stage": "primary"}, {"A1"}),
    ({"q": "语文教学"}, {"A1"}),
    ({"topic": "T2", "stage": "primary"}, set()),
])
def test_catalogue_filters_by_topic_subject_stage_and_text(world, program_1, catalogue, filters, expected):
    assert _codes(selectors.catalogue_for_teacher(world.teacher, program_1, **filters)) == expected


def test_the_catalogue_page_lists_the_teachers_courses(client, world, program_1, catalogue, password):
    client.login(username=world.teacher.user.phone, password=password)

    page = client.get(reverse("learning:catalogue"), {"program": program_1.pk}).content.decode()

    assert "信息技术与语文教学" in page
    assert "课程B1" not in page


def test_the_catalogue_page_takes_the_same_queries_for_2_and_6_courses(
        client, world, program_1, catalogue, password):
    client.login(username=world.teacher.user.phone, password=password)
    url = reverse("learning:catalogue")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    a = catalogue["a1"].institution
    for i in range(4):
        course(program_1, a, f"X{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_a_teacher_gets_404_for_a_course_outside_their_catalogue(client, world, program_1, catalogue, password):
    client.login(username=world.teacher.user.phone, password=password)

    response = client.get(reverse("learning:course", args=[catalogue["b1"].pk]))

    assert response.status_code == 404


def test_an_officer_without_a_teacher_record_gets_404_on_the_catalogue(client, world, password):
    client.login(username=world.outsider.phone, password=password)

    assert client.get(reverse("learning:catalogue")).status_code == 404


def test_the_catalogue_asks_for_the_diagnostic_test_first_where_the_rules_require_it(
        client, world, program_1, catalogue, password):
    client.login(username=world.teacher.user.phone, password=password)

    response = client.get(reverse("learning:catalogue"), {"program": program_1.pk})

    assert response.context["needs_diagnostic"]
    assert "先完成训前诊断测评" in response.content.decode()


def test_a_teacher_not_enrolled_anywhere_is_told_so(client, world, password):
    client.login(username=world.teacher.user.phone, password=password)

    response = client.get(reverse("learning:catalogue"))

    assert response.status_code == 200
    assert "没有可选的课程" in response.content.decode()


def test_recommended_courses_are_marked_and_listed_first(client, world, program_1, catalogue, password, monkeypatch):
    monkeypatch.setattr("tisheng.learning.selectors.recommended_course_ids",
                        lambda teacher, program: [catalogue["a2"].pk, catalogue["b1"].pk])
    client.login(username=world.teacher.user.phone, password=password)

    courses = client.get(reverse("learning:catalogue"), {"program": program_1.pk}).context["courses"]

    assert [(c.code, c.is_recommended) for c in courses] == [("A2", True), ("A1", False)]
