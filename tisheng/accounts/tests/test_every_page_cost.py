"""What every signed-in page pays (issue 16): the roles read once in one statement, the teacher's
own-record link found once per login, the unread badge one bounded count; and what a person sees
of those stays right (the roles in the header, an ended role gone at the next page, the link)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _sql(ctx, table: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if table in q["sql"]]


def test_the_header_names_each_role_where_it_is_held_read_in_one_statement(client, world):
    college = Organization.objects.create(code="TC-1", name="福州教育学院", kind="teacher_college",
                                          region=world.city_a, path=f"{world.city_a.path}/~TC-1")
    RoleAssignment.objects.create(user=world.county_officer, role="teacher_college", organization=college)
    client.force_login(world.county_officer)
    client.get(reverse("notifications:list"))
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("notifications:list")).content.decode()
    assert "县工程办 · 鼓楼区" in html
    assert "福州教育学院" in html
    assert len(_sql(ctx, "accounts_roleassignment")) == 1
    assert reverse("people:teacher_list") in html  # the county office's menu


def test_a_role_that_has_ended_leaves_the_header_and_the_menu_at_the_next_page(client, world):
    client.force_login(world.county_officer)
    assert reverse("people:teacher_list") in client.get(reverse("notifications:list")).content.decode()
    RoleAssignment.objects.filter(user=world.county_officer).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    html = client.get(reverse("notifications:list")).content.decode()
    assert reverse("people:teacher_list") not in html
    assert "<span></span>" in html.split('data-testid="current-user"')[1].split("</div>")[0]
    assert client.get(reverse("people:teacher_list")).status_code in (403, 404)


def test_a_teacher_finds_their_own_record_in_the_menu_looked_up_once_per_login(client, world):
    client.force_login(world.teacher.user)
    own = reverse("people:teacher_detail", args=[world.teacher.pk])
    assert own in client.get(reverse("notifications:list")).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("notifications:list")).content.decode()
    assert own in html
    assert not _sql(ctx, "people_teacher")
    client.force_login(world.teachers_a[1].user)  # another teacher signing in on the same browser
    html = client.get(reverse("notifications:list")).content.decode()
    assert reverse("people:teacher_detail", args=[world.teachers_a[1].pk]) in html
    assert own not in html


def test_a_new_notification_shows_in_the_badge_on_the_next_page(client, world):
    from tisheng.notifications.services import notify

    client.force_login(world.teacher.user)
    assert 'data-testid="unread-count"' not in client.get(reverse("notifications:list")).content.decode()
    notify(world.teacher.user, kind="other", title="新回复", body="有人回复了您的主题")
    html = client.get(reverse("ledger:my_hours")).content.decode()
    assert '<span class="badge badge-warn" data-testid="unread-count">1</span>' in html
