import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.learning import services
from tisheng.learning.models import CourseSelection
from tisheng.learning.tests.factories import contract, course, enroll, institution
from tisheng.people.tests.factories import TeacherFactory


@pytest.fixture
def learning(world, program_1, diagnosed):
    org, user = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    enroll(program_1, *world.teachers_a, world.teacher_a2, world.teacher_b)
    c = course(program_1, org, "C1", hours="50")
    for t in (world.teacher, world.teachers_a[2], world.teacher_b):
        services.selection_add(actor=t.user, teacher=t, program=program_1, course=c)
    now = timezone.now()
    CourseSelection.objects.filter(teacher=world.teacher).update(started_at=now - dt.timedelta(days=1))
    CourseSelection.objects.filter(teacher=world.teachers_a[2]).update(started_at=now - dt.timedelta(days=9))
    CourseSelection.objects.filter(teacher=world.teacher_b).update(started_at=now)
    return {"org": org, "user": user, "course": c}


def test_the_county_sees_who_started_and_who_is_idle_for_7_days(client, world, program_1, learning, password):
    client.login(username=world.county_officer.phone, password=password)

    response = client.get(reverse("learning:monitor"), {"program": program_1.pk})

    rows = {e.teacher.name: e for e in response.context["rows"]}
    assert rows[world.teacher.name].started
    assert not rows[world.teacher.name].is_idle
    assert rows[world.teachers_a[2].name].is_idle
    assert not rows[world.teachers_a[1].name].started
    schools = {s["school__code"]: s for s in response.context["schools"]}
    assert schools[world.school_a.code]["started_count"] == 2


def test_the_idle_filter_lists_only_idle_teachers(client, world, program_1, learning, password):
    client.login(username=world.county_officer.phone, password=password)

    response = client.get(reverse("learning:monitor"), {"program": program_1.pk, "idle": "1"})

    assert [e.teacher.name for e in response.context["rows"]] == [world.teachers_a[2].name]


def test_the_outsider_county_sees_none_of_county_a_in_monitoring(client, world, program_1, learning, password):
    client.login(username=world.outsider.phone, password=password)

    response = client.get(reverse("learning:monitor"), {"program": program_1.pk})

    assert [e.teacher.name for e in response.context["rows"]] == [world.teacher_b.name]


def test_the_monitor_page_takes_the_same_queries_for_more_teachers(client, world, program_1, learning, password):
    client.login(username=world.county_officer.phone, password=password)
    url = reverse("learning:monitor")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    extra = [TeacherFactory(school=world.school_a2, name=f"新{i}") for i in range(4)]
    enroll(program_1, *extra)
    services.selection_add(actor=extra[0].user, teacher=extra[0], program=program_1, course=learning["course"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_an_institution_sees_its_learners_in_its_contracted_regions(client, world, program_1, learning, password):
    client.login(username=learning["user"].phone, password=password)

    response = client.get(reverse("learning:learners"))

    names = {s.teacher.name for s in response.context["page"]}
    assert names == {world.teacher.name, world.teachers_a[2].name, world.teacher_b.name}


def test_an_institution_contracted_for_one_city_sees_only_learners_there(world, program_1, learning):
    from tisheng.learning.selectors import institution_learners

    org, user = institution(world, "INST-B", "乙机构", "13600000002")
    contract(program_1, org, world.province)
    contract(program_1, org, world.city_b)
    c = course(program_1, org, "B1")
    # teacher_b (city B) and a county-A teacher took 乙's course; the A one before 乙 lost city A.
    CourseSelection.objects.create(teacher=world.teacher_b, program=program_1, course=c)
    CourseSelection.objects.create(teacher=world.teachers_a[1], program=program_1, course=c)
    from tisheng.learning.models import Contract
    Contract.objects.filter(institution=org, region=world.province).delete()

    assert {s.teacher.name for s in institution_learners(user)} == {world.teacher_b.name}


def test_another_institution_sees_no_learners(client, world, program_1, learning, password):
    _org, user = institution(world, "INST-Z", "无合同机构", "13600000009")
    client.login(username=user.phone, password=password)

    response = client.get(reverse("learning:learners"))

    assert list(response.context["page"]) == []


def test_each_selection_shows_once_with_the_teachers_online_hours(world, program_1, program_2, learning):
    from tisheng.learning.selectors import institution_learners

    enroll(program_2, world.teacher)

    rows = [s for s in institution_learners(learning["user"]) if s.teacher_id == world.teacher.pk]

    assert len(rows) == 1
    assert rows[0].teacher_online == 0


def test_the_learners_page_takes_the_same_queries_for_more_learners(client, world, program_1, learning, password):
    client.login(username=learning["user"].phone, password=password)
    url = reverse("learning:learners")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    extra = [TeacherFactory(school=world.school_a2, name=f"新{i}") for i in range(4)]
    enroll(program_1, *extra)
    for t in extra:
        services.selection_add(actor=t.user, teacher=t, program=program_1, course=learning["course"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
