"""Tracks: an office creates a track for its level, schools nominate from below, the office
selects within each unit's places; the selected are enrolled in the track's program and every
nominee is told; an office of another county sees nothing of this county's track."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog
from tisheng.notifications.models import Notification
from tisheng.practice.models import TeamMember
from tisheng.programs.models import Enrollment, QuotaTarget
from tisheng.programs.selectors import programs_active_first
from tisheng.tracks import services
from tisheng.tracks.models import Nomination, ParticipantRule, Track, TrackKind

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _leadership(world, **kw) -> Track:
    return services.track_create(actor=world.county_officer, kind=TrackKind.LEADERSHIP, name="鼓楼区校长信息化领导力研修",
                                 run_by=world.county_a, start_date=dt.date(2026, 3, 1), end_date=dt.date(2027, 12, 31),
                                 **kw)


@pytest.fixture
def cio(world, program_2):
    """The school's CIO on its 2.0 practice team (teacher 黄丽华)."""
    teacher = world.teachers_a[2]
    TeamMember.objects.create(school=world.school_a, program=program_2, user=teacher.user,
                              role=TeamMember.TeamRole.CIO)
    return teacher


def test_a_county_office_creates_a_leadership_track_whose_program_takes_the_schools_leaders(client, world):
    client.force_login(world.county_officer)
    response = client.post(reverse("tracks:new"), {
        "kind": "leadership", "name": "鼓楼区校长信息化领导力研修", "run_by": world.county_a.pk, "preset": "moe_2019",
        "required_hours": "30", "start_date": "2026-03-01", "end_date": "2027-12-31"}, follow=True)
    track = Track.objects.get()
    assert response.redirect_chain[-1][0] == reverse("tracks:detail", args=[track.pk])
    assert "鼓楼区校长信息化领导力研修" in _messages(response)[0]
    assert track.participant_rule == ParticipantRule.SCHOOL_LEADERS
    assert track.program.status == "active"
    assert track.program.registry_level == "county"
    assert track.program.ruleset.required_hours == 30
    assert AuditLog.objects.filter(action="tracks.created", actor=world.county_officer).exists()
    page = response.content.decode()
    assert "福州市鼓楼第一中心小学" in page
    assert "思明" not in page


def test_a_track_without_a_name_is_refused_and_the_form_keeps_what_was_typed(client, world):
    client.force_login(world.county_officer)
    response = client.post(reverse("tracks:new"), {
        "kind": "backbone", "name": " ", "run_by": world.county_a.pk, "required_hours": "abc",
        "description": "骨干教师", "start_date": "2026-03-01", "end_date": "2027-12-31"})
    assert response.status_code == 400
    assert _(services.BAD_HOURS) in _messages(response)
    assert "骨干教师" in response.content.decode()
    assert not Track.objects.exists()


def test_a_school_nominates_its_principal_and_cio_but_not_an_ordinary_teacher_for_leadership(client, world, cio):
    track = _leadership(world)
    client.force_login(world.principal)
    page = client.get(reverse("tracks:nominate", args=[track.pk])).content.decode()
    assert "陈志强" in page
    assert "黄丽华" in page
    assert "林晓燕" not in page
    response = client.post(reverse("tracks:nominate", args=[track.pk]), {
        "school": world.school_a.pk, "teacher": [world.teachers_a[0].pk, cio.pk], "reason": "学校管理团队"})
    assert response.status_code == 400
    assert _(services.NOT_A_LEADER) % {"name": "林晓燕"} in _messages(response)
    assert not Nomination.objects.exists()
    response = client.post(reverse("tracks:nominate", args=[track.pk]), {
        "school": world.school_a.pk, "teacher": [world.teachers_a[1].pk, cio.pk], "reason": "学校管理团队"},
        follow=True)
    assert "2" in _messages(response)[0]
    assert set(Nomination.objects.values_list("teacher__name", "state", "unit_path")) == {
        ("陈志强", "nominated", world.school_a.path), ("黄丽华", "nominated", world.school_a.path)}


def test_the_county_selects_within_the_schools_places_enrolls_the_selected_and_tells_each_nominee(client, world,
                                                                                                cio):
    track = _leadership(world)
    services.nominations_create(actor=world.principal, track=track, teachers=[world.teachers_a[1], cio])
    client.force_login(world.county_officer)
    client.post(reverse("tracks:quota", args=[track.pk]), {"unit": world.school_a.path, "target": "1"})
    ids = list(Nomination.objects.order_by("teacher__name").values_list("pk", flat=True))
    response = client.post(reverse("tracks:decide", args=[track.pk]), {"nomination": ids, "decision": "select"},
                           follow=True)
    assert _(services.QUOTA_EXCEEDED) % {"unit": "福州市鼓楼第一中心小学", "target": 1, "selected": 0, "left": 1} \
        in _messages(response)
    assert not Enrollment.objects.filter(program=track.program).exists()

    principal = Nomination.objects.get(teacher=world.teachers_a[1])
    response = client.post(reverse("tracks:decide", args=[track.pk]), {
        "nomination": [principal.pk], "decision": "select", "note": "请按时参加集中研修"}, follow=True)
    assert _messages(response) == [_("%(n)s selected and enrolled; they have been notified.") % {"n": 1}]
    assert list(Enrollment.objects.filter(program=track.program).values_list("teacher__name", flat=True)) == ["陈志强"]
    notice = Notification.objects.get(recipient=world.principal)
    assert "鼓楼区校长信息化领导力研修" in notice.title
    assert "请按时参加集中研修" in notice.body
    client.post(reverse("tracks:decide", args=[track.pk]), {
        "nomination": [Nomination.objects.get(teacher=cio).pk], "decision": "decline"})
    assert Notification.objects.get(recipient=cio.user).title.startswith(_("Not selected for %(track)s")[:3])
    assert Enrollment.objects.filter(program=track.program).count() == 1
    page = client.get(reverse("tracks:detail", args=[track.pk])).content.decode()
    assert "请按时参加集中研修" in page
    assert AuditLog.objects.filter(action__in=["tracks.selected", "tracks.declined", "tracks.quota_set"]).count() == 3


def test_a_province_backbone_track_counts_places_per_city_in_the_programs_quota_targets(client, world):
    track = services.track_create(actor=world.province_officer, kind=TrackKind.BACKBONE, name="省级骨干教师培训",
                                  run_by=world.province, start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 12, 31))
    client.force_login(world.province_officer)
    client.post(reverse("tracks:quota", args=[track.pk]), {"unit": world.city_a.path, "target": "2"})
    assert QuotaTarget.objects.get(program=track.program, region=world.city_a).target == 2
    services.nominations_create(actor=world.county_officer, track=track, teachers=[world.teachers_a[0]],
                                reason="县级骨干")
    services.nominations_create(actor=world.outsider, track=track, teachers=[world.teacher_b])
    page = client.get(reverse("tracks:detail", args=[track.pk])).content.decode()
    assert "林晓燕" in page
    assert "王建国" in page
    # Another county sees the province's track and its own nominee, never county A's.
    client.force_login(world.outsider)
    page = client.get(reverse("tracks:detail", args=[track.pk])).content.decode()
    assert "王建国" in page
    assert "林晓燕" not in page
    assert "福州市" not in page


def test_someone_of_another_county_gets_404_on_every_page_and_action_of_a_county_track(client, world, cio):
    track = _leadership(world)
    [nomination] = services.nominations_create(actor=world.principal, track=track, teachers=[cio])
    client.force_login(world.outsider)
    assert client.get(reverse("tracks:detail", args=[track.pk])).status_code == 404
    assert client.get(reverse("tracks:nominate", args=[track.pk])).status_code == 404
    for name in ("quota", "decide"):
        assert client.post(reverse(f"tracks:{name}", args=[track.pk]), {
            "unit": world.school_a.path, "target": "9", "nomination": [nomination.pk],
            "decision": "select"}).status_code == 404
    assert client.post(reverse("tracks:withdraw", args=[nomination.pk])).status_code == 404
    assert "鼓楼区" not in client.get(reverse("tracks:list")).content.decode()
    nomination.refresh_from_db()
    assert nomination.state == "nominated"
    assert not services.unit_targets(track)


def test_a_school_withdraws_a_nomination_and_may_make_it_again(client, world, cio):
    track = _leadership(world)
    [nomination] = services.nominations_create(actor=world.principal, track=track, teachers=[cio])
    client.force_login(world.principal)
    response = client.post(reverse("tracks:withdraw", args=[nomination.pk]), follow=True)
    assert "黄丽华" in _messages(response)[0]
    assert Nomination.objects.get().state == "withdrawn"
    services.nominations_create(actor=world.principal, track=track, teachers=[cio])
    assert Nomination.objects.get().state == "nominated"


def test_nominations_after_the_closing_date_are_refused(world, cio):
    track = _leadership(world, nominations_close=dt.date(2020, 1, 1))
    with pytest.raises(Exception, match=_(services.NOMINATIONS_CLOSED)):
        services.nominations_create(actor=world.principal, track=track, teachers=[cio])


def test_a_nominated_teacher_sees_the_track_and_their_nomination(client, world, cio):
    track = _leadership(world)
    services.nominations_create(actor=world.principal, track=track, teachers=[cio])
    client.force_login(cio.user)
    page = client.get(reverse("tracks:detail", args=[track.pk])).content.decode()
    assert "黄丽华" in page
    assert 'name="nomination"' not in page
    assert "withdraw" not in page
    assert "鼓楼区校长信息化领导力研修" in client.get(reverse("tracks:list")).content.decode()


def test_the_track_page_costs_the_same_queries_with_one_or_many_nominations(client, world, cio,
                                                                           django_assert_max_num_queries):
    from tisheng.people.tests.factories import TeacherFactory

    track = services.track_create(actor=world.county_officer, kind=TrackKind.BACKBONE, name="骨干教师",
                                  run_by=world.county_a, start_date=dt.date(2026, 3, 1), end_date=dt.date(2027, 1, 1))
    services.nominations_create(actor=world.county_officer, track=track, teachers=[cio])
    client.force_login(world.county_officer)
    url = reverse("tracks:detail", args=[track.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    more = [TeacherFactory(school=world.school_a2) for _i in range(4)]
    services.nominations_create(actor=world.county_officer, track=track, teachers=more)
    with django_assert_max_num_queries(len(one)):
        client.get(url)


def test_a_new_leadership_track_does_not_become_the_dashboards_default_program(client, world, program_2):
    track = _leadership(world)
    assert track.program.code == "LDL-350102-2026"  # no English word on the programs list

    programs = programs_active_first()

    assert programs[0] == program_2  # the whole staff's, though the track's program is newer
    assert track.program in programs[1:]
    client.force_login(world.county_officer)
    assert f'<option value="{program_2.pk}" selected' in client.get(reverse("monitoring:dashboard")).content.decode()
