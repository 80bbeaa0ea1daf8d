"""The points→hours rule page (issue 16): the province office previews and saves a program's
rule (audited with before and after); a bad number re-shows the form with what was typed and
saves nothing; the new rule converts the next activity closed; anyone else 404s."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tisheng.accounts.models import AuditLog
from tisheng.communities import discussion
from tisheng.communities import workshop_services as services
from tisheng.communities.models import HoursRule
from tisheng.learning.tests.factories import enroll

pytestmark = pytest.mark.django_db

FORM = {"category": "online", "points_per_hour": "5", "workshop_cap": "8", "assignment_cap": "10",
        "points-post": "5", "points-reply": "1", "points-featured": "3", "points-design": "3",
        "points-attendance": "2"}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def open_activity(world, program_2):
    enroll(program_2, *world.teachers_a)
    workshop = services.workshop_create(actor=world.county_officer, name="工作坊", program=program_2,
                                        scope_path=world.county_a.path)
    services.workshop_join(actor=world.teacher.user, workshop=workshop)
    activity = services.activity_create(actor=world.county_officer, workshop=workshop, kind="discussion",
                                        title="话题")
    discussion.thread_create(actor=world.teacher.user, activity=activity, title="一", body="正文")
    return activity


def test_the_province_previews_then_saves_the_rule_and_the_next_close_uses_it(client, world, program_2,
                                                                            open_activity):
    client.force_login(world.province_officer)
    assert program_2.name in client.get(reverse("communities:rule_list")).content.decode()
    url = reverse("communities:rule_edit", args=[program_2.pk])
    response = client.post(url, {**FORM, "action": "preview"})
    assert "以下为预览：点击“保存”之前不会生效。" in _messages(response)
    effect = response.context["effect"]
    # one thread: 2 points / 10 = 0.2 hours now; 5 points / 5 = 1 hour under the new rule
    assert (effect.participants, effect.hours_now, effect.hours_new) == (1, Decimal("0.2"), Decimal("1.0"))
    assert not HoursRule.objects.exists()

    response = client.post(url, {**FORM, "action": "save"}, follow=True)
    assert f"{program_2.name}的规则已保存，此后结束的活动按新规则折算。" in _messages(response)
    rule = HoursRule.objects.get(program=program_2)
    assert (rule.points_per_hour, rule.workshop_cap, rule.points_for("post")) == (5, Decimal("8.0"), 5)
    log = AuditLog.objects.get(action="communities.hours_rule_update")
    assert log.detail["before"]["points_per_hour"] == 10
    assert log.detail["after"]["points_per_hour"] == 5

    credit = services.activity_close(actor=world.county_officer, activity=open_activity)[0]
    assert credit.hours == Decimal("1.00")


def test_a_bad_number_is_refused_and_the_form_keeps_what_was_typed(client, world, program_2):
    client.force_login(world.province_officer)
    response = client.post(reverse("communities:rule_edit", args=[program_2.pk]),
                           {**FORM, "points_per_hour": "0", "workshop_cap": "7.5", "action": "save"})
    assert response.status_code == 400
    assert "折合1学时的积分须为 1 到 1000 的整数。" in _messages(response)
    assert 'value="7.5"' in response.content.decode()
    assert not HoursRule.objects.exists()
    response = client.post(reverse("communities:rule_edit", args=[program_2.pk]),
                           {**FORM, "workshop_cap": "NaN", "action": "save"})
    assert "学时上限须为 0 到 100 之间的数，最多一位小数。" in _messages(response)


def test_only_the_province_office_reaches_the_rule_pages(client, world, program_2):
    for user in (world.county_officer, world.outsider, world.teacher.user):
        client.force_login(user)
        assert client.get(reverse("communities:rule_list")).status_code == 404
        assert client.post(reverse("communities:rule_edit", args=[program_2.pk]),
                           {**FORM, "action": "save"}).status_code == 404
    assert not HoursRule.objects.exists()
