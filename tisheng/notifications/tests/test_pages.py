"""The notifications page, the header's unread badge and the notification settings."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.notifications import views
from tisheng.notifications.models import Kind, Notification, NotificationSettings
from tisheng.notifications.services import notify


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def note(user, title, *, url="", minutes_ago=0, read=False):
    n = notify(user, Kind.OTHER, title, f"{title}的内容", url).notification
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
                                                read_at=timezone.now() if read else None)
    return n


def test_the_page_lists_the_persons_notifications_newest_first_with_unread_marked(world):
    note(world.teacher.user, "较早的通知", minutes_ago=60, read=True)
    note(world.teacher.user, "最新的通知")
    note(world.teacher_b.user, "别人的通知")
    html = client_for(world.teacher.user).get("/notifications/").content.decode()
    assert html.index("最新的通知") < html.index("较早的通知")
    assert "别人的通知" not in html
    assert html.count('data-testid="notification"') == 2
    assert html.count('data-read="no"') == 1
    assert 'class="card muted" data-testid="notification" data-read="yes"' in html  # read ones greyed
    assert "1 条未读" in html


def test_the_page_is_paginated(world):
    for i in range(views.PAGE_SIZE + 3):
        note(world.teacher.user, f"通知{i}", minutes_ago=100 - i)
    c = client_for(world.teacher.user)
    first = c.get("/notifications/").content.decode()
    second = c.get("/notifications/?page=2").content.decode()
    assert first.count('data-testid="notification"') == views.PAGE_SIZE
    assert second.count('data-testid="notification"') == 3
    assert "通知0的内容" in second


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(world):
    n = note(world.teacher.user, "学时申报已通过", url="/ledger/")
    response = client_for(world.teacher.user).post(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/ledger/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_notification_pointing_off_site_is_never_followed(world):
    n = note(world.teacher.user, "奇怪的链接", url="https://evil.example/")
    response = client_for(world.teacher.user).post(f"/notifications/{n.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_marking_one_read_says_so_and_leaves_the_others_unread(world):
    one, other = note(world.teacher.user, "一"), note(world.teacher.user, "二")
    response = client_for(world.teacher.user).post(f"/notifications/{one.pk}/read/", {"page": "1"}, follow=True)
    assert str(views.MARKED_ONE) in response.content.decode()
    assert response.redirect_chain[-1][0] == "/notifications/?page=1"
    assert Notification.objects.get(pk=one.pk).read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_marking_all_read_says_how_many(world):
    for title in ("一", "二", "三"):
        note(world.teacher.user, title)
    note(world.teacher_b.user, "别人的")
    response = client_for(world.teacher.user).post("/notifications/read-all/", follow=True)
    assert "已将 3 条通知标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=world.teacher.user, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=world.teacher_b.user).read_at is None
    again = client_for(world.teacher.user).post("/notifications/read-all/", follow=True)
    assert str(views.NOTHING_UNREAD) in again.content.decode()


@pytest.mark.parametrize("action", ["open", "read"])
def test_nobody_opens_or_marks_another_persons_notification(world, action):
    theirs = note(world.teacher.user, "林老师的通知", url="/ledger/")
    for intruder in (world.outsider, world.teacher_b.user, world.principal):
        assert client_for(intruder).post(f"/notifications/{theirs.pk}/{action}/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_pages_need_a_login(db):
    assert Client().get("/notifications/").status_code == 302
    assert Client().get("/notifications/settings/").status_code == 302


def test_the_header_shows_the_unread_count_on_every_page(world):
    for title in ("一", "二"):
        note(world.teacher.user, title)
    note(world.teacher.user, "已读", read=True)
    c = client_for(world.teacher.user)
    for url in ("/ledger/", "/programs/review/mine/", "/notifications/settings/"):
        html = c.get(url).content.decode()
        assert '<span class="badge badge-warn" data-testid="unread-count">2</span>' in html, url
    c.post("/notifications/read-all/")
    assert 'data-testid="unread-count"' not in c.get("/ledger/").content.decode()


def test_the_unread_count_is_one_query_and_stops_counting_at_99_plus(world):
    Notification.objects.bulk_create([Notification(recipient=world.teacher.user, title="t", body="b")
                                      for _ in range(150)])
    c = client_for(world.teacher.user)
    c.get("/ledger/")
    with CaptureQueriesContext(connection) as queries:
        html = c.get("/ledger/").content.decode()
    assert '<span class="badge badge-warn" data-testid="unread-count">99+</span>' in html
    counting = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counting) == 1
    assert "LIMIT 100" in counting[0]


def test_a_page_without_the_header_does_not_count(world):
    from django.template import Context, RequestContext, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = world.teacher.user
    with CaptureQueriesContext(connection) as queries:
        Template("{{ 1 }}").render(RequestContext(request, {}))
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert Context  # imported for symmetry with RequestContext


def test_a_teacher_mutes_sms_on_the_settings_page(world):
    c = client_for(world.teacher.user)
    html = c.get("/notifications/settings/").content.decode()
    assert "通知设置" in html
    assert f"{world.teacher.user.phone[:3]}****{world.teacher.user.phone[-4:]}" in html
    response = c.post("/notifications/settings/", {"sms_muted": "on"}, follow=True)
    assert str(views.SETTINGS_SAVED_MUTED) in response.content.decode()
    assert NotificationSettings.objects.get(user=world.teacher.user).sms_muted
    assert 'data-testid="sms-muted" checked' in response.content.decode()
    assert AuditLog.objects.filter(action="notification_settings", actor=world.teacher.user).exists()
    response = c.post("/notifications/settings/", {}, follow=True)
    assert str(views.SETTINGS_SAVED_SMS) in response.content.decode()
    assert not NotificationSettings.objects.get(user=world.teacher.user).sms_muted


def test_the_settings_of_one_person_never_touch_anothers(world):
    client_for(world.outsider).post("/notifications/settings/", {"sms_muted": "on"})
    assert list(NotificationSettings.objects.values_list("user_id", "sms_muted")) == [(world.outsider.pk, True)]


def test_the_navigation_links_to_the_notifications_page(world):
    html = client_for(world.teacher.user).get("/notifications/").content.decode()
    assert 'href="/notifications/" class="active" aria-current="page"' in html
