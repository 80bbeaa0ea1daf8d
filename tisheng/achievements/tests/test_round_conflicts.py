"""Nobody decides on a nomination they have a stake in: a round's manager who nominated, wrote or
nominates for the unit of one of its nominations cannot publish its results (the page says who
can), and an expert never scores a nomination they have a stake in."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.achievements import services
from tisheng.achievements.models import Award, Nomination, RoundState
from tisheng.notifications.models import Notification
from tisheng.panels import services as panels
from tisheng.panels.models import PanelAssignment, Score
from tisheng.people.tests.factories import UserFactory
from tisheng.resources.models import LibraryEntry
from tisheng.resources.tests.conftest import make_resource

from .conftest import score_and_close


@pytest.fixture
def city_officer(world):
    user = UserFactory(name="福州市工程办", phone="13700000011")
    RoleAssignment.objects.create(user=user, role="city_office", region=world.city_a)
    return user


@pytest.fixture
def own_and_other(world, county_round, two_resources):
    """The county officer also runs the kindergarten (兼任园长) and nominated its resource; the
    principal nominated school A's."""
    RoleAssignment.objects.create(user=world.county_officer, role="school_admin", school=world.school_a2)
    theirs = make_resource(world, title="幼儿园数字绘本 课例", actor=world.county_officer,
                           unit=world.school_a2.path, publish=False)
    own = services.nomination_create(actor=world.county_officer, r=county_round, unit_path=world.school_a2.path,
                                      category="k1", resource_id=theirs.pk)
    other = services.nomination_create(actor=world.principal, r=county_round, unit_path=world.school_a.path,
                                       category="k1", resource_id=two_resources[0].pk)
    return own, other


def _scored(world, r, nominations):
    services.round_start_scoring(actor=world.county_officer, r=r, ends_on=timezone.localdate())
    score_and_close(world, r, {n.pk: ("90", "80") for n in nominations})
    r.refresh_from_db()
    assert r.state == RoundState.SCORED


def _awards(nominations) -> dict:
    return {f"award_{n.pk}": Award.FIRST for n in nominations}


def test_a_manager_cannot_publish_a_round_with_their_own_nomination_and_the_page_says_who_can(
        world, county_round, own_and_other, city_officer, client):
    own, other = own_and_other
    _scored(world, county_round, own_and_other)
    client.force_login(world.county_officer)

    page = client.get(reverse("achievements:round", args=[county_round.pk])).content.decode()
    response = client.post(reverse("achievements:publish", args=[county_round.pk]), _awards(own_and_other),
                           follow=True)

    assert 'data-testid="conflict"' in page
    assert 'data-testid="publish"' not in page
    assert "请由本轮其他管理人员或上级工程办公布：福州市工程办、省工程办。" in page
    refused = response.content.decode()
    assert "未保存：您不能公布本轮评选结果：您与本轮推荐成果《幼儿园数字绘本 课例》存在利害关系（您是其推荐人）" in refused
    assert "请由本轮其他管理人员或上级工程办公布：福州市工程办、省工程办。" in refused
    county_round.refresh_from_db()
    assert county_round.state == RoundState.SCORED
    assert county_round.published_by is None
    assert not Nomination.objects.filter(round=county_round).exclude(award="").exists()
    assert not Nomination.objects.filter(round=county_round, certificate_number__isnull=False).exists()
    assert not LibraryEntry.objects.filter(library_path=world.county_a.path, via="awarded").exists()
    assert not Notification.objects.filter(title__contains=county_round.title).exists()
    assert not AuditLog.objects.filter(action="achievements.published").exists()


def test_the_office_above_publishes_the_round_the_county_manager_has_a_stake_in(
        world, county_round, own_and_other, city_officer, client):
    own, other = own_and_other
    _scored(world, county_round, own_and_other)
    client.force_login(city_officer)

    response = client.post(reverse("achievements:publish", args=[county_round.pk]),
                           {f"award_{own.pk}": Award.SECOND, f"award_{other.pk}": Award.FIRST}, follow=True)

    assert "结果已公布" in response.content.decode()
    county_round.refresh_from_db()
    assert county_round.state == RoundState.PUBLISHED
    assert county_round.published_by == city_officer
    own.refresh_from_db()
    assert own.award == Award.SECOND
    assert Notification.objects.filter(recipient=world.county_officer, title__contains=county_round.title).exists()
    assert Notification.objects.filter(recipient=world.principal, title__contains=county_round.title).exists()
    assert AuditLog.objects.filter(action="achievements.published", actor=city_officer).count() == 1


def test_a_manager_without_a_stake_still_publishes_from_the_page(world, county_round, two_resources, client):
    nominated = [services.nomination_create(actor=world.principal, r=county_round, unit_path=world.school_a.path,
                                            category="k1", resource_id=res.pk) for res in two_resources]
    _scored(world, county_round, nominated)
    client.force_login(world.county_officer)

    page = client.get(reverse("achievements:round", args=[county_round.pk])).content.decode()
    response = client.post(reverse("achievements:publish", args=[county_round.pk]), _awards(nominated), follow=True)

    assert 'data-testid="publish"' in page
    assert 'data-testid="conflict"' not in page
    assert "结果已公布" in response.content.decode()
    county_round.refresh_from_db()
    assert county_round.state == RoundState.PUBLISHED
    assert Notification.objects.filter(recipient=world.principal, title__contains=county_round.title).count() == 2
    assert AuditLog.objects.filter(action="achievements.published", actor=world.county_officer).count() == 1


def test_a_co_author_by_name_and_a_nominator_of_the_unit_have_a_stake_too(world, county_round, two_resources):
    resource = two_resources[0]
    resource.authors = "陈志强、周海峰"
    resource.save(update_fields=["authors"])
    n = services.nomination_create(actor=world.principal, r=county_round, unit_path=world.school_a.path,
                                   category="k1", resource_id=resource.pk)
    _scored(world, county_round, [n])
    co_author = UserFactory(name="周海峰", phone="13700000021")
    RoleAssignment.objects.create(user=co_author, role="county_office", region=world.county_a)
    unit_admin = UserFactory(name="吴立新", phone="13700000022")
    RoleAssignment.objects.create(user=unit_admin, role="county_office", region=world.county_a)
    RoleAssignment.objects.create(user=unit_admin, role="school_admin", school=world.school_a)

    with pytest.raises(ValidationError) as by_name:
        services.round_publish(actor=co_author, r=county_round, awards={n.pk: Award.FIRST})
    with pytest.raises(ValidationError) as by_unit:
        services.round_publish(actor=unit_admin, r=county_round, awards={n.pk: Award.FIRST})

    assert by_name.value.code == "own_nomination"
    assert "您在其作者名单中" in by_name.value.messages[0]
    # another manager of the round first, then the office above; never one with a stake
    assert by_name.value.messages[0].endswith("请由本轮其他管理人员或上级工程办公布：鼓楼区工程办、省工程办。")
    assert "您是推荐单位福州市鼓楼第一中心小学的推荐人" in by_unit.value.messages[0]
    county_round.refresh_from_db()
    assert county_round.state == RoundState.SCORED
    services.round_publish(actor=world.county_officer, r=county_round, awards={n.pk: Award.FIRST})
    county_round.refresh_from_db()
    assert county_round.state == RoundState.PUBLISHED


def test_an_expert_is_never_assigned_and_cannot_score_a_nomination_they_have_a_stake_in(
        world, county_round, own_and_other, client):
    own, other = own_and_other
    services.round_start_scoring(actor=world.county_officer, r=county_round, ends_on=timezone.localdate())
    county_round.refresh_from_db()
    panel = county_round.panel
    # the county officer puts themselves on the panel
    themselves = panels.panel_expert_add(actor=world.county_officer, panel=panel, phone="13700000002")
    panels.panel_assign_all(actor=world.county_officer, panel=panel)
    own_item = panel.items.get(key=own.panel_key)
    other_item = panel.items.get(key=other.panel_key)

    assigned = set(PanelAssignment.objects.filter(expert=themselves).values_list("item_id", flat=True))
    assert assigned == {other_item.pk}
    client.force_login(world.county_officer)
    response = client.post(reverse("panels:assign", args=[panel.pk]),
                           {"item": own_item.pk, "expert": themselves.pk, "assigned": "1"}, follow=True)
    assert "鼓楼区工程办与该评审对象存在利害关系（申报人、作者或推荐单位人员），不能评审，请指派其他专家。" \
        in response.content.decode()
    assert not PanelAssignment.objects.filter(expert=themselves, item=own_item).exists()
    # an assignment from before the stake was known: the scores are refused all the same
    stale = PanelAssignment.objects.create(item=own_item, expert=themselves)
    with pytest.raises(ValidationError) as exc:
        panels.scores_submit(actor=world.county_officer, assignment=stale, values={"c1": "100", "c2": "100"})
    assert exc.value.code == "own_stake"
    assert not Score.objects.filter(item=own_item).exists()
    mine = PanelAssignment.objects.get(expert=themselves, item=other_item)
    panels.scores_submit(actor=world.county_officer, assignment=mine, values={"c1": "70", "c2": "70"})
    assert Score.objects.filter(item=other_item, expert=themselves).count() == 2


def test_an_outsider_cannot_publish_the_round(world, county_round, own_and_other, client):
    _scored(world, county_round, own_and_other)
    client.force_login(world.outsider)

    response = client.post(reverse("achievements:publish", args=[county_round.pk]), _awards(own_and_other))

    assert response.status_code == 404
    county_round.refresh_from_db()
    assert county_round.state == RoundState.SCORED
