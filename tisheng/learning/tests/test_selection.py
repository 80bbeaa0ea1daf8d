from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.learning import selectors, services
from tisheng.learning.models import CourseSelection
from tisheng.learning.tests.factories import contract, course, enroll, institution
from tisheng.people.tests.factories import TeacherFactory


@pytest.fixture
def offer(world, program_1, diagnosed):
    org, user = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    enroll(program_1, *world.teachers_a, world.teacher_a2, world.teacher_b)
    return {"org": org, "user": user, "big": course(program_1, org, "BIG", hours="30"),
            "small": course(program_1, org, "SMALL", hours="20"), "more": course(program_1, org, "MORE", hours="10")}


def test_the_online_requirement_is_the_online_minimum_or_the_non_practice_share(program_1, program_2):
    assert selectors.online_required_hours(program_1) == Decimal("50")
    # 2.0 sets no online minimum: 50 h × (1 − 0.5 practice share).
    assert selectors.online_required_hours(program_2) == Decimal("25.0")


def test_a_teacher_selects_courses_until_the_requirement_is_reached(world, program_1, offer):
    t = world.teacher
    services.selection_add(actor=t.user, teacher=t, program=program_1, course=offer["big"])
    services.selection_add(actor=t.user, teacher=t, program=program_1, course=offer["small"])

    assert selectors.selected_hours(selectors.selections_of(t, program_1)) == Decimal("50")


def test_a_course_outside_the_catalogue_cannot_be_selected(world, program_1, offer):
    other, _ = institution(world, "INST-Z", "未入选机构", "13600000009")
    foreign = course(program_1, other, "Z1")

    with pytest.raises(ValidationError) as exc:
        services.selection_add(actor=world.teacher.user, teacher=world.teacher, program=program_1, course=foreign)
    assert services.COURSE_NOT_IN_CATALOGUE in exc.value.messages


def test_a_teacher_not_enrolled_cannot_select(world, program_1, offer):
    newcomer = TeacherFactory(school=world.school_a, name="新教师")

    with pytest.raises(ValidationError) as exc:
        services.selection_add(actor=newcomer.user, teacher=newcomer, program=program_1, course=offer["big"])
    assert services.NOT_ENROLLED in exc.value.messages


def test_a_selection_can_be_dropped_until_the_course_is_started(world, program_1, offer):
    t = world.teacher
    s = services.selection_add(actor=t.user, teacher=t, program=program_1, course=offer["big"])
    CourseSelection.objects.filter(pk=s.pk).update(started_at=timezone.now())

    with pytest.raises(ValidationError) as exc:
        services.selection_remove(actor=t.user, selection=s)
    assert services.SELECTION_STARTED in exc.value.messages

    s2 = services.selection_add(actor=t.user, teacher=t, program=program_1, course=offer["small"])
    services.selection_remove(actor=t.user, selection=s2)
    assert not CourseSelection.objects.filter(pk=s2.pk).exists()


def test_the_teacher_selects_and_drops_from_the_catalogue_page(client, world, program_1, offer, password):
    client.login(username=world.teacher.user.phone, password=password)

    client.post(reverse("learning:select"), {"program": program_1.pk, "course": offer["big"].pk})
    s = CourseSelection.objects.get(teacher=world.teacher)
    client.post(reverse("learning:drop", args=[s.pk]))

    assert not CourseSelection.objects.filter(teacher=world.teacher).exists()


def test_a_teacher_cannot_drop_someone_elses_selection(client, world, program_1, offer, password):
    other = world.teachers_a[2]
    s = services.selection_add(actor=other.user, teacher=other, program=program_1, course=offer["big"])
    client.login(username=world.teacher.user.phone, password=password)

    assert client.post(reverse("learning:drop", args=[s.pk])).status_code == 404
    assert CourseSelection.objects.filter(pk=s.pk).exists()


def _select(teacher, program, *courses):
    for c in courses:
        services.selection_add(actor=teacher.user, teacher=teacher, program=program, course=c)


def test_the_county_sees_per_school_who_has_not_selected(client, world, program_1, offer, password):
    _select(world.teacher, program_1, offer["big"], offer["small"])
    _select(world.teachers_a[2], program_1, offer["big"])
    client.login(username=world.county_officer.phone, password=password)

    response = client.get(reverse("learning:selection_status"), {"program": program_1.pk})

    schools = {s["school__code"]: s for s in response.context["schools"]}
    assert schools[world.school_a.code]["enrolled"] == 3
    assert schools[world.school_a.code]["complete"] == 1
    assert schools[world.school_a2.code]["missing"] == 1
    missing = {e.teacher.name for e in response.context["page"]}
    assert missing == {world.teachers_a[1].name, world.teachers_a[2].name, world.teacher_a2.name}


def test_the_outsider_county_sees_none_of_county_a_in_the_selection_status(client, world, program_1, offer, password):
    client.login(username=world.outsider.phone, password=password)

    response = client.get(reverse("learning:selection_status"), {"program": program_1.pk})

    assert {s["school__code"] for s in response.context["schools"]} == {world.school_b.code}
    assert {e.teacher.name for e in response.context["page"]} == {world.teacher_b.name}


def test_a_principal_sees_only_their_school(client, world, program_1, offer, password):
    client.login(username=world.principal.phone, password=password)

    response = client.get(reverse("learning:selection_status"), {"program": program_1.pk})

    assert {s["school__code"] for s in response.context["schools"]} == {world.school_a.code}


def test_a_teacher_gets_403_on_the_selection_status(client, world, program_1, offer, password):
    client.login(username=world.teacher.user.phone, password=password)

    assert client.get(reverse("learning:selection_status")).status_code == 403


def test_the_selection_status_page_takes_the_same_queries_for_more_teachers(
        client, world, program_1, offer, password):
    client.login(username=world.county_officer.phone, password=password)
    url = reverse("learning:selection_status")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    extra = [TeacherFactory(school=world.school_a2, name=f"新{i}") for i in range(4)]
    enroll(program_1, *extra)
    _select(extra[0], program_1, offer["big"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_where_the_rules_require_it_the_diagnostic_test_comes_before_selection(world, program_1, monkeypatch):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    enroll(program_1, world.teacher)
    c = course(program_1, org, "C1")
    assert program_1.ruleset.diagnostic_required

    with pytest.raises(ValidationError) as exc:
        services.selection_add(actor=world.teacher.user, teacher=world.teacher, program=program_1, course=c)
    assert services.DIAGNOSTIC_FIRST in exc.value.messages
