"""Pairing and 双师 (issue 16, item 3): the county office pairs a strong school with a rural school
of its county; mentoring pairs of teachers; the activity log with checked evidence; coverage for
offices (rural schools with and without a pair, activity per month, pairs gone silent); assisted
regions tagged by the province; everyone outside 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.communities import pairing_selectors as ps
from tisheng.communities import pairing_services as services
from tisheng.communities.models import AssistedRegion, MentorPair, PairActivity, SchoolPair
from tisheng.notifications.models import Notification
from tisheng.orgs.tests.factories import SchoolFactory
from tisheng.people.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def rural(world):
    school = SchoolFactory(county=world.county_a, code="3501020009", name="鼓楼区乡村小学", is_rural=True)
    school.mentee = TeacherFactory(school=school, name="乡村李老师")
    return school


@pytest.fixture
def pair(world, rural):
    today = timezone.localdate()
    return services.pair_create(actor=world.county_officer, scope_path=world.county_a.path,
                                school_code=rural.code, strong_school_code=world.school_a.code,
                                starts_on=today - dt.timedelta(days=60), ends_on=today + dt.timedelta(days=300),
                                goals="提升乡村学校教师的信息化教学能力", plan="每月一次同步课堂")


def test_the_county_office_pairs_a_strong_and_a_rural_school_and_both_principals_are_told(client, world, rural):
    principal_rural = TeacherFactory(school=rural, name="乡村校长").user
    RoleAssignment.objects.create(user=principal_rural, role="school_admin", school=rural)
    client.force_login(world.county_officer)
    response = client.post(reverse("communities:pair_create"), {
        "scope": world.county_a.path, "strong_school_code": world.school_a.code, "school_code": rural.code,
        "starts_on": "2026-09-01", "ends_on": "2027-07-31", "goals": "双师课堂每月两次", "plan": ""}, follow=True)
    assert "结对已建立，并已通知两校。" in _messages(response)
    pair = SchoolPair.objects.get()
    assert (pair.strong_school, pair.school, pair.kind) == (world.school_a, rural, "schools")
    assert Notification.objects.filter(recipient=principal_rural, title__startswith="结对帮扶").exists()
    assert Notification.objects.filter(recipient=world.principal, title__startswith="结对帮扶").exists()
    assert AuditLog.objects.filter(action="communities.pair_create").exists()


def test_a_pair_outside_the_office_s_area_is_refused_and_the_form_keeps_what_was_typed(client, world, rural):
    client.force_login(world.county_officer)
    response = client.post(reverse("communities:pair_create"), {
        "scope": world.county_a.path, "strong_school_code": world.school_b.code, "school_code": rural.code,
        "starts_on": "2026-09-01", "ends_on": "2027-07-31", "goals": "目标文字"})
    assert response.status_code == 400
    assert "您的管辖范围内没有该代码的学校。" in _messages(response)
    assert "目标文字" in response.content.decode()
    assert not SchoolPair.objects.exists()


def test_mentors_are_paired_and_the_log_takes_checked_evidence(client, world, rural, pair):
    mentor = world.teachers_a[2]
    client.force_login(world.principal)
    url = reverse("communities:pair_detail", args=[pair.pk])
    response = client.post(url, {"action": "mentor", "mentor_phone": mentor.user.phone,
                                 "mentee_phone": rural.mentee.user.phone}, follow=True)
    assert "师徒结对已添加，并已通知两位教师。" in _messages(response)
    link = MentorPair.objects.get()
    assert Notification.objects.filter(recipient=rural.mentee.user, title__contains="将远程指导您").exists()

    held = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(url, {"action": "log", "kind": "sync_class", "held_on": held.isoformat(),
                                 "title": "同步课堂：认识钟表", "mentor_pair": str(link.pk),
                                 "file": SimpleUploadedFile("课堂记录.pdf", PDF, "application/pdf")}, follow=True)
    assert "活动已记录。" in _messages(response)
    activity = PairActivity.objects.get()
    assert activity.original_name == "课堂记录.pdf"
    pair.refresh_from_db()
    assert pair.last_activity_on == held
    download = client.get(reverse("communities:pair_evidence", args=[activity.pk]))
    assert b"".join(download.streaming_content) == PDF

    response = client.post(url, {"action": "log", "kind": "observation", "held_on": held.isoformat(),
                                 "title": "听评课", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 50)})
    assert response.status_code == 400
    assert 'value="听评课"' in response.content.decode()
    assert PairActivity.objects.count() == 1


def test_coverage_counts_rural_schools_with_and_without_a_pair_and_finds_the_silent_ones(client, world, rural, pair):
    SchoolFactory(county=world.county_a, code="3501020010", name="鼓楼区另一乡村小学", is_rural=True)
    AssistedRegion.objects.create(region=world.county_a, tag="乡村振兴重点帮扶县")
    client.force_login(world.province_officer)
    page = client.get(reverse("communities:pair_list"))
    coverage = page.context["coverage"]
    assert (coverage["rural"], coverage["paired"], coverage["unpaired"]) == (2, 1, 1)
    assert coverage["rows"][0]["tag"] == "乡村振兴重点帮扶县"
    # started 60 days ago and nothing logged: silent
    assert 'data-testid="silent"' in page.content.decode()
    assert SchoolPair.objects.filter(ps.silent_pairs_q()).count() == 1

    services.activity_log(actor=world.county_officer, pair=pair, kind="co_prep",
                          held_on=timezone.localdate(), title="共同备课")
    page = client.get(reverse("communities:pair_list"))
    assert 'data-testid="silent"' not in page.content.decode()
    assert page.context["pairs"][0].months[-1] == 1
    assert SchoolPair.objects.filter(ps.silent_pairs_q()).count() == 0


def test_the_coverage_page_costs_the_same_queries_for_one_pair_or_several(client, world, rural, pair):
    client.force_login(world.province_officer)
    url = reverse("communities:pair_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(4):
        school = SchoolFactory(county=world.county_a, code=f"350102002{i}", name=f"乡村{i}", is_rural=True)
        more = services.pair_create(actor=world.county_officer, scope_path=world.county_a.path,
                                    school_code=school.code, strong_school_code=world.school_a.code,
                                    starts_on=pair.starts_on, ends_on=pair.ends_on, goals="目标")
        services.activity_log(actor=world.county_officer, pair=more, kind="co_prep", held_on=timezone.localdate(),
                              title="共同备课")
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert len(response.context["pairs"]) == 5
    assert len(five) == len(one)


def test_the_province_tags_an_assisted_region(client, world):
    client.force_login(world.province_officer)
    response = client.post(reverse("communities:assisted_regions"), {"region_code": world.county_b.code,
                                                                     "tag": "三区三州"}, follow=True)
    assert "已标记该地区。" in _messages(response)
    assert AssistedRegion.objects.get().region == world.county_b
    client.force_login(world.county_officer)
    assert client.get(reverse("communities:assisted_regions")).status_code == 404


def test_people_of_another_county_get_404_and_the_pair_s_own_people_see_it(client, world, rural, pair):
    activity = services.activity_log(actor=world.county_officer, pair=pair, kind="feedback",
                                     held_on=timezone.localdate(), title="反馈")
    for user in (world.outsider, world.teacher_b.user, world.teacher.user):
        client.force_login(user)
        assert client.get(reverse("communities:pair_detail", args=[pair.pk])).status_code == 404
        assert client.get(reverse("communities:pair_evidence", args=[activity.pk])).status_code == 404
    for user in (world.principal, world.province_officer, world.county_officer):
        client.force_login(user)
        assert client.get(reverse("communities:pair_detail", args=[pair.pk])).status_code == 200
