import pytest
from django.urls import reverse

from tisheng.panels import services
from tisheng.panels.tests.conftest import assignment_of


def test_an_expert_scores_on_their_page_and_is_told_it_is_saved(client, board, password):
    expert = board.experts[0]
    client.force_login(expert.user)
    page = client.get(reverse("panels:mine"))
    assert board.item_1.title in page.content.decode()
    url = reverse("panels:score", args=[assignment_of(expert, board.item_1).pk])
    response = client.post(url, {"resources": "75.5", "service": "45", "comment": "资源较全"}, follow=True)
    text = response.content.decode()
    assert "已保存" in text or "saved" in text
    assert 'value="75.5"' in client.get(url).content.decode()


def test_a_bad_score_shows_the_error_and_keeps_what_was_typed(client, board):
    expert = board.experts[0]
    client.force_login(expert.user)
    url = reverse("panels:score", args=[assignment_of(expert, board.item_1).pk])
    response = client.post(url, {"resources": "75", "service": "500"})
    assert response.status_code == 400
    assert 'value="75"' in response.content.decode()


def test_an_expert_cannot_open_another_experts_assignment(client, board):
    client.force_login(board.experts[1].user)
    url = reverse("panels:score", args=[assignment_of(board.experts[0], board.item_1).pk])
    assert client.get(url).status_code == 404


def test_the_manager_sees_who_scored_but_not_the_scores_while_the_panel_is_open(client, board, world):
    services.scores_submit(actor=board.experts[0].user, assignment=assignment_of(board.experts[0], board.item_1),
                           values={"resources": "77.25", "service": "33"})
    client.force_login(world.province_officer)
    text = client.get(reverse("panels:detail", args=[board.panel.pk])).content.decode()
    assert "77.25" not in text
    assert "77.2" not in text
    assert 'data-testid="matrix"' in text


@pytest.mark.parametrize("name", ["panels:detail", "panels:close", "panels:assign"])
def test_an_office_of_another_county_gets_404_for_the_provinces_panel(client, board, world, name):
    client.force_login(world.outsider)
    method = client.get if name == "panels:detail" else client.post
    assert method(reverse(name, args=[board.panel.pk])).status_code == 404


def test_someone_who_is_neither_office_nor_expert_gets_404_on_the_panel_list(client, world):
    client.force_login(world.teacher.user)
    assert client.get(reverse("panels:list")).status_code == 404
    assert client.get(reverse("panels:mine")).status_code == 200  # their (empty) assignments


def test_closing_from_the_page_shows_the_results_to_manager_and_experts(client, board, world):
    for expert, r in zip(board.experts, (80, 84, 20), strict=True):
        services.scores_submit(actor=expert.user, assignment=assignment_of(expert, board.item_1),
                               values={"resources": str(r), "service": "40"})
    client.force_login(world.province_officer)
    response = client.post(reverse("panels:close", args=[board.panel.pk]), follow=True)
    text = response.content.decode()
    assert 'data-testid="results"' in text
    assert 'data-testid="outlier"' in text
    client.force_login(board.experts[0].user)
    assert "68.8" in client.get(reverse("panels:mine")).content.decode()
