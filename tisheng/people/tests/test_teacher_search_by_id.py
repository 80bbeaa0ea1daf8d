"""A search by full national ID never puts the ID in a URL (access logs, browser history,
Referer): the form posts, and the list's URL carries the ID's keyed hash instead."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from tisheng.core import crypto
from tisheng.people import selectors

LIST = reverse("people:teacher_list")


def test_the_search_form_posts(client, world):
    client.force_login(world.county_officer)

    page = client.get(LIST).content.decode()

    assert '<form method="post" class="filters" role="search">' in page
    assert "csrfmiddlewaretoken" in page


def test_a_search_by_full_id_lands_on_a_url_without_the_id_and_finds_the_teacher(client, world):
    client.force_login(world.county_officer)
    number = world.teacher.national_id

    response = client.post(LIST, {"q": number, "stage": "primary"})

    assert response.status_code == 303
    assert number not in response.url
    assert parse_qs(urlsplit(response.url).query) == {"q": [crypto.lookup_hash(number)], "stage": ["primary"]}
    page = client.get(response.url)
    assert [t.name for t in page.context["page"]] == ["林晓燕"]
    assert number not in page.content.decode()
    assert 'data-testid="id-search"' in page.content.decode()


def test_a_name_search_lands_on_a_url_with_the_name(client, world):
    client.force_login(world.county_officer)

    response = client.post(LIST, {"q": "林晓燕", "school": "", "region": ""})

    assert parse_qs(urlsplit(response.url).query) == {"q": ["林晓燕"]}
    assert [t.name for t in client.get(response.url).context["page"]] == ["林晓燕"]


def test_an_old_link_with_a_full_id_is_redirected_to_one_without_it(client, world):
    client.force_login(world.county_officer)
    number = world.teacher.national_id

    response = client.get(LIST, {"q": number})

    assert response.status_code == 303
    assert number not in response.url
    assert [t.name for t in client.get(response.url).context["page"]] == ["林晓燕"]


def test_changing_a_filter_keeps_the_id_search(client, world):
    client.force_login(world.county_officer)
    token = crypto.lookup_hash(world.teacher.national_id)

    response = client.post(LIST, {"q": "", "q_hash": token, "status": "active"})

    assert parse_qs(urlsplit(response.url).query) == {"q": [token], "status": ["active"]}


def test_the_outsider_finds_nothing_by_a_county_a_id(client, world):
    client.force_login(world.outsider)

    response = client.post(LIST, {"q": world.teacher.national_id}, follow=True)

    assert list(response.context["page"]) == []
    assert world.teacher.national_id_masked not in response.content.decode()


def test_the_hash_in_the_url_finds_the_same_teacher_for_the_export_and_the_api(world):
    token = selectors.search_token(world.teacher.national_id)

    assert selectors.search_kind(token) == "id_hash"
    assert list(selectors.teacher_list(world.province_officer, q=token)) == [world.teacher]
    assert list(selectors.teacher_list(world.outsider, q=token)) == []
