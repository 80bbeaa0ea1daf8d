from django.urls import reverse


def test_home_shows_the_numbers_of_the_officers_own_scope(client, world):
    client.force_login(world.county_officer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert (response.context["school_total"], response.context["teacher_total"]) == (2, 4)
    assert "鼓楼区工程办" in response.text
    assert "县工程办 · 鼓楼区" in response.text


def test_the_outsider_home_counts_only_their_county(client, world):
    client.force_login(world.outsider)
    response = client.get(reverse("home"))
    assert (response.context["school_total"], response.context["teacher_total"]) == (1, 1)
    assert "鼓楼" not in response.text


def test_layout_has_language_switch_and_logout_posts_and_is_chinese_by_default(client, world):
    client.force_login(world.province_officer)
    text = client.get(reverse("home")).text
    assert f'action="{reverse("set_language")}" method="post"' in text
    assert f'action="{reverse("accounts:logout")}" method="post"' in text
    assert "组织机构" in text
    assert "退出登录" in text


def test_switching_to_english_shows_the_english_ui(client, world):
    client.force_login(world.province_officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("home")).text
    assert "Log out" in text
    assert "Org tree" in text
