"""Overdue rectifications as to-dos: on the home page of the inspected unit and of the office
that ran the round, and a notice to the owner the day an item becomes overdue."""

import datetime as dt

import pytest
from django.urls import reverse

from tisheng.monitoring.services.rollups import today
from tisheng.notifications.models import Notification
from tisheng.supervision import selectors, services
from tisheng.supervision.models import Rectification

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_item(world, inspector, inspection_a):
    """An item for county A's office whose deadline passed three days ago."""
    item = services.rectification_add(actor=inspector, inspection=inspection_a, description="补齐县级抽检记录",
                                       owner=world.county_officer, deadline=today())
    Rectification.objects.filter(pk=item.pk).update(deadline=today() - dt.timedelta(days=3))
    item.refresh_from_db()
    return item


def _todo(client, user, key):
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    section = next((s for s in page.context["sections"] if s.role == "supervision"), None)
    return section and next((i for i in section.items if i.key == key), None)


def test_the_overdue_item_is_a_to_do_on_the_home_page_of_the_unit_and_of_the_office(
        client, world, overdue_item):
    for user in (world.county_officer, world.province_officer):
        item = _todo(client, user, "supervision-overdue")
        assert item.count == 1
        assert item.warn
        assert "鼓楼" in item.detail or world.county_a.name in item.detail
        assert str(overdue_item.deadline) in item.detail
        assert item.url.startswith(reverse("supervision:home"))
    page = client.get(reverse("home"))
    assert "逾期" in page.content.decode()


def test_a_teacher_and_an_outsider_see_no_supervision_to_do(client, world, overdue_item):
    client.force_login(world.teacher.user)
    assert all(s.role != "supervision" for s in client.get(reverse("home")).context["sections"])
    assert _todo(client, world.outsider, "supervision-overdue") is None or \
        _todo(client, world.outsider, "supervision-overdue").count == 0


def test_the_office_sees_answers_to_decide_and_the_unit_its_items_to_answer(
        client, world, inspector, inspection_a):
    item = services.rectification_add(actor=inspector, inspection=inspection_a, description="完善培训档案",
                                      owner=world.county_officer, deadline=today() + dt.timedelta(days=5))
    assert _todo(client, world.county_officer, "supervision-to-answer").count == 1
    services.rectification_answer(actor=world.county_officer, item=item, text="已完善")
    assert _todo(client, world.county_officer, "supervision-to-answer").count == 0
    assert _todo(client, world.province_officer, "supervision-to-decide").count == 1


def test_an_item_of_a_closed_round_is_no_longer_overdue_for_anyone(world, overdue_item):
    # Nobody can answer or decide in a closed round, so its items are no one's to-do.
    services.round_close(actor=world.province_officer, round_=overdue_item.inspection.round)
    assert not selectors.overdue_rectifications(world.county_officer).exists()
    assert not selectors.overdue_rectifications(world.province_officer).exists()


def test_the_owner_is_told_once_the_day_the_item_becomes_overdue_and_the_office_with_them(
        world, overdue_item):
    assert services.rectifications_overdue_notify() == 1
    owner_notes = Notification.objects.filter(recipient=world.county_officer, title__contains="逾期")
    assert owner_notes.count() == 1
    assert "补齐县级抽检记录" in owner_notes.get().body
    assert Notification.objects.filter(recipient=world.province_officer, title__contains="逾期").count() == 1
    # The next run (the same day or later) tells no one again.
    assert services.rectifications_overdue_notify() == 0
    assert owner_notes.count() == 1


def test_a_reopened_item_with_a_new_deadline_is_told_again_when_that_one_passes(world, overdue_item):
    services.rectifications_overdue_notify()
    services.rectification_answer(actor=world.county_officer, item=overdue_item, text="已补齐")
    services.rectification_decide(actor=world.province_officer, item=overdue_item, accept=False,
                                  note="记录不全", deadline=today())
    assert services.rectifications_overdue_notify() == 0  # not overdue before tomorrow
    Rectification.objects.filter(pk=overdue_item.pk).update(deadline=today() - dt.timedelta(days=1))
    assert services.rectifications_overdue_notify() == 1
    assert Notification.objects.filter(recipient=world.county_officer, title__contains="逾期").count() == 2


def test_items_not_yet_due_answered_or_in_a_closed_round_are_not_told(world, inspector, inspection_a):
    services.rectification_add(actor=inspector, inspection=inspection_a, description="按期事项",
                               owner=world.county_officer, deadline=today())
    answered = services.rectification_add(actor=inspector, inspection=inspection_a, description="已回复事项",
                                          owner=world.county_officer, deadline=today())
    services.rectification_answer(actor=world.county_officer, item=answered, text="已完成")
    Rectification.objects.filter(pk=answered.pk).update(deadline=today() - dt.timedelta(days=2))
    assert services.rectifications_overdue_notify() == 0


def test_the_home_page_costs_the_same_queries_with_one_or_five_overdue_items(
        client, world, inspector, inspection_a, overdue_item, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.county_officer)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for n in range(4):
        services.rectification_add(actor=inspector, inspection=inspection_a, description=f"事项{n}",
                                   owner=world.county_officer, deadline=today())
    Rectification.objects.update(deadline=today() - dt.timedelta(days=1))
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("home"))
    assert _todo(client, world.county_officer, "supervision-overdue").count == 5
    assert page.status_code == 200


def test_run_periodic_tells_owners_of_overdue_items(world, overdue_item):
    from tisheng.jobs.periodic import run_all

    assert run_all()["supervision_overdue_notified"] == 1
    assert Notification.objects.filter(recipient=world.county_officer, title__contains="逾期").count() == 1


def _dashboard_section(client, user, program, node=""):
    client.force_login(user)
    page = client.get(reverse("monitoring:dashboard"), {"program": program.pk, **({"node": node} if node else {})})
    assert page.status_code == 200
    return next((s for s in page.context["sections"] if s.key == "overdue-rectifications"), None), page


def test_the_overdue_item_shows_on_the_dashboards_of_the_office_and_of_the_unit(client, world, overdue_item):
    program = overdue_item.inspection.round.program
    for user in (world.province_officer, world.county_officer):
        section, page = _dashboard_section(client, user, program)
        assert section is not None
        assert section.warn
        unit, _round, item, owner, deadline, days = section.rows[0]
        assert unit["text"] == world.county_a.name
        assert (item, owner, deadline, days) == ("补齐县级抽检记录", world.county_officer.name,
                                                 str(overdue_item.deadline), "3")
        html = page.content.decode()
        assert 'data-testid="section-overdue-rectifications"' in html
        assert "逾期" in html
    # The province's dashboard of another county, and that county's own office: nothing.
    assert _dashboard_section(client, world.province_officer, program, world.county_b.path)[0] is None
    assert _dashboard_section(client, world.outsider, program)[0] is None


def test_the_dashboard_section_costs_two_queries_however_many_items_are_overdue(client, world, overdue_item,
                                                                              inspector):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    program = overdue_item.inspection.round.program
    client.force_login(world.county_officer)

    def rectification_queries():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("monitoring:dashboard"), {"program": program.pk})
        return sum("supervision_rectification" in q["sql"] for q in queries.captured_queries)

    one = rectification_queries()
    for n in range(12):
        services.rectification_add(actor=inspector, inspection=overdue_item.inspection, description=f"整改{n}",
                                   owner=world.county_officer, deadline=today())
    Rectification.objects.update(deadline=today() - dt.timedelta(days=2))
    assert rectification_queries() == one == 2
    section, page = _dashboard_section(client, world.county_officer, program)
    assert len(section.rows) == 10
    assert "13" in section.intro
