"""The training team's trainer pool: per county, the selected trainers with their own training and
their guidance load counted from the platform (classes tutored, spot-check items decided, schools
reached); an institution draws one as its tutor; another county's people see none of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.communities.models import ClassTutor
from tisheng.communities.tests.factories import classes_world, formed_class
from tisheng.diagnostics.models import MicroAbility
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Notification
from tisheng.practice.checks.models import SpotCheck, SpotCheckItem
from tisheng.practice.models import PointResult
from tisheng.tracks import pool, services
from tisheng.tracks.models import Nomination, PoolDraw, TrackKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world, program_2):
    """County A's training team with 林晓燕 selected; an institution contracted for county A."""
    track = services.track_create(actor=world.county_officer, kind=TrackKind.TRAINING_TEAM, name="鼓楼区培训团队",
                                  run_by=world.county_a, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    services.nominations_create(actor=world.county_officer, track=track, teachers=[world.teachers_a[0]])
    services.nominations_decide(actor=world.county_officer, track=track, select=True,
                                nominations=list(Nomination.objects.filter(track=track)))
    return track


def test_the_pool_counts_a_trainers_own_training_and_guidance_from_the_platform(world, program_2, team):
    from tisheng.practice import services as practice

    practice.catalogue_load()
    trainer = world.teachers_a[0]
    s = classes_world(world, program_2)
    study_class = formed_class(world, s, tutor=False)
    ClassTutor.objects.create(study_class=study_class, user=trainer.user)
    LedgerEntry.objects.create(teacher=trainer, program=team.program, category="offline", hours=Decimal("12"),
                               source_kind="offline", source_id="1", idempotency_key="pool:1",
                               granted_by_system="test", at=timezone.now())
    point = MicroAbility.objects.get(code="A1")
    result = PointResult.objects.create(program=program_2, teacher=world.teacher_a2, point=point,
                                        point_version=point.versions.first(), result="pass",
                                        org_path=world.teacher_a2.org_path)
    check = SpotCheck.objects.create(program=program_2, region=world.county_a, region_path=world.county_a.path,
                                     share=Decimal("0.1"), fail_threshold=Decimal("0.3"), seed=1,
                                     created_by=world.county_officer)
    SpotCheckItem.objects.create(spot_check=check, result=result, school=world.school_a2,
                                 org_path=world.teacher_a2.org_path, reviewer=trainer.user, outcome="confirmed",
                                 decided_at=timezone.now())

    [row] = pool.pool(world.county_a)
    assert row.nomination.teacher == trainer
    assert row.hours == Decimal("12")
    assert row.state == "enrolled"
    assert (row.classes, row.spot_items) == (1, 1)
    assert row.schools == 2  # the class's schools (A and A2) and the spot-checked school (A2)
    assert pool.pool(world.county_b) == []


def test_an_institution_draws_a_trainer_as_its_tutor_and_the_trainer_is_told(client, world, program_2, team):
    s = classes_world(world, program_2)
    client.force_login(s.manager)
    page = client.get(reverse("tracks:pool")).content.decode()
    assert "林晓燕" in page
    nomination = Nomination.objects.get()
    response = client.post(reverse("tracks:draw", args=[nomination.pk]), {"organization": s.org.pk}, follow=True)
    assert "林晓燕" in [str(m) for m in get_messages(response.wsgi_request)][0]
    assert RoleAssignment.objects.filter(user=world.teachers_a[0].user, role="tutor", organization=s.org).exists()
    assert PoolDraw.objects.get().drawn_by == s.manager
    assert Notification.objects.filter(recipient=world.teachers_a[0].user, title__contains=s.org.name).exists()
    assert AuditLog.objects.filter(action="tracks.pool_drawn").exists()
    assert s.org.name in response.content.decode()
    again = client.post(reverse("tracks:draw", args=[nomination.pk]), {"organization": s.org.pk}, follow=True)
    assert _(pool.ALREADY_DRAWN) % {"name": "林晓燕", "organization": s.org.name} in [
        str(m) for m in get_messages(again.wsgi_request)]
    assert PoolDraw.objects.count() == 1


def test_someone_of_another_county_sees_no_trainer_and_cannot_draw(client, world, program_2, team):
    client.force_login(world.outsider)
    assert "林晓燕" not in client.get(reverse("tracks:pool")).content.decode()
    nomination = Nomination.objects.get()
    assert client.post(reverse("tracks:draw", args=[nomination.pk]), {"organization": "1"}).status_code == 404
    assert not PoolDraw.objects.exists()


def test_the_pool_page_costs_the_same_queries_for_one_or_several_trainers(client, world, team,
                                                                         django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.county_officer)
    client.get(reverse("tracks:pool"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("tracks:pool"))
    services.nominations_create(actor=world.county_officer, track=team, teachers=world.teachers_a[1:])
    services.nominations_decide(actor=world.county_officer, track=team, select=True, nominations=list(
        Nomination.objects.filter(track=team, state="nominated")))
    with django_assert_max_num_queries(len(one)):
        page = client.get(reverse("tracks:pool")).content.decode()
    assert "黄丽华" in page
