import pytest
from django.urls import reverse

from tisheng.core import idcard
from tisheng.people.tests.factories import TeacherFactory

LIST = reverse("people:teacher_list")


def test_county_officer_sees_their_county_teachers_with_masked_ids(client, world):
    client.force_login(world.county_officer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert {t.name for t in response.context["page"]} == {"林晓燕", "陈志强", "黄丽华", "张美玲"}
    number = world.teacher.national_id
    assert idcard.mask(number) in response.text
    assert number not in response.text
    assert "王建国" not in response.text


def test_outsider_sees_nothing_of_county_a_even_when_asking_for_it(client, world):
    client.force_login(world.outsider)
    for params in ({"region": "350102"}, {"school": world.school_a.pk}, {"q": "林晓燕"},
                   {"q": world.teacher.national_id}):
        response = client.get(LIST, params, follow=True)
        assert response.status_code == 200
        assert list(response.context["page"]) == []
        assert world.teacher.national_id_masked not in response.text
        assert world.school_a.name not in response.text


def test_search_by_full_id_last_four_and_phone(client, world):
    client.force_login(world.province_officer)
    found = client.get(LIST, {"q": world.teacher_b.national_id}, follow=True).context["page"]
    assert [t.name for t in found] == ["王建国"]
    assert world.teacher in client.get(LIST, {"q": world.teacher.national_id[-4:]}).context["page"]
    assert [t.name for t in client.get(LIST, {"q": world.teacher.phone}).context["page"]] == ["林晓燕"]


def test_filters_narrow_the_list(client, world):
    client.force_login(world.province_officer)
    assert [t.name for t in client.get(LIST, {"region": "350203"}).context["page"]] == ["王建国"]
    assert [t.name for t in client.get(LIST, {"school": world.school_a2.pk}).context["page"]] == ["张美玲"]
    assert [t.name for t in client.get(LIST, {"stage": "kindergarten"}).context["page"]] == ["张美玲"]
    assert [t.name for t in client.get(LIST, {"subject": "学前教育"}).context["page"]] == ["张美玲"]
    assert list(client.get(LIST, {"status": "retired"}).context["page"]) == []


def test_the_list_pages_by_twenty_with_page_numbers(client, world):
    TeacherFactory.create_batch(41, school=world.school_a)
    client.force_login(world.county_officer)
    first = client.get(LIST)
    assert len(first.context["page"]) == 20
    assert first.context["page"].paginator.num_pages == 3
    assert 'href="?page=3"' in first.text
    third = client.get(LIST, {"page": 3})
    assert len(third.context["page"]) == 5


def test_a_teacher_cannot_open_the_list_of_others(client, world):
    client.force_login(world.teacher.user)
    response = client.get(LIST)
    assert [t.name for t in response.context["page"]] == ["林晓燕"]


@pytest.mark.parametrize("extra", [5, 15])
def test_list_query_count_does_not_grow_with_teachers(client, world, django_assert_num_queries, extra):
    TeacherFactory.create_batch(extra, school=world.school_a)
    client.force_login(world.county_officer)
    client.get(LIST)  # the first request after login stamps the session (idle timeout)
    # session, user, grants, region filter, schools for the filter, count, page, role labels, the unread badge
    with django_assert_num_queries(8):
        response = client.get(LIST, {"region": "350102"})
    assert len(response.context["page"]) == min(20, 4 + extra)
