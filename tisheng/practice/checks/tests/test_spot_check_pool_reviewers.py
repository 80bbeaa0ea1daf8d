"""Spot-check reviewers come from the county's trainer pool (issue 17: "a trainer pool per county
that institutions and colleges draw tutors and reviewers from"): the pool's trainers are offered
first and marked, the teacher college's reviewers after them (alone where the pool is empty); a
trainer assigned items is told, may review them, and the review counts in the pool's guidance load."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from tisheng.accounts.models import RoleAssignment
from tisheng.notifications.models import Notification
from tisheng.practice.checks import services
from tisheng.practice.checks.models import SpotCheckItem
from tisheng.practice.checks.views import SPOT_CHECK_ASSIGNED
from tisheng.tracks import pool
from tisheng.tracks import services as tracks
from tisheng.tracks.models import Nomination, TrackKind

from .conftest import make_passed


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


@pytest.fixture
def trainer(world, program_2):
    """林晓燕, selected for county A's training team."""
    track = tracks.track_create(actor=world.county_officer, kind=TrackKind.TRAINING_TEAM, name="鼓楼区培训团队",
                                run_by=world.county_a, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    tracks.nominations_create(actor=world.county_officer, track=track, teachers=[world.teachers_a[0]])
    tracks.nominations_decide(actor=world.county_officer, track=track, select=True,
                              nominations=list(Nomination.objects.filter(track=track)))
    return world.teachers_a[0].user


@pytest.fixture
def check(world, practice):
    for teacher in [*world.teachers_a[1:], world.teacher_a2]:
        make_passed(practice, teacher, 0)
    make_passed(practice, world.teacher_b, 0)
    return services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                    share=1)


def test_the_pools_trainers_are_offered_first_and_the_college_alone_where_the_pool_is_empty(
        world, trainer, reviewer, reviewer_b):
    assert services.offered_reviewers(world.county_a) == [(trainer, True), (reviewer, False)]
    assert services.offered_reviewers(world.county_b) == [(reviewer_b, False)]


def test_a_trainer_assigned_is_told_reviews_the_items_and_the_pool_counts_them(client, world, trainer, reviewer,
                                                                             check):
    client.force_login(world.county_officer)
    page = client.get(reverse("practice:checks_spot_detail", args=[check.pk])).content.decode()
    assert 'data-testid="pool-reviewer"' in page
    assert page.index(trainer.name) < page.index(reviewer.name)

    response = client.post(reverse("practice:checks_spot_assign", args=[check.pk]), {"reviewers": [trainer.pk]},
                           follow=True)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [zh(SPOT_CHECK_ASSIGNED) % {"count": 3}]
    assert check.items.filter(reviewer=trainer).count() == check.items.count() == 3
    grant = RoleAssignment.objects.get(user=trainer, role="expert", region=world.county_a)
    assert grant.expires_at is not None
    notice = Notification.objects.get(recipient=trainer, url=reverse("practice:checks_review_list"))
    assert "3" in notice.title
    client.force_login(trainer)
    assert client.get(reverse("practice:checks_review_list")).status_code == 200
    item = check.items.order_by("pk").first()
    client.post(reverse("practice:checks_item", args=[item.pk]), {"outcome": "confirmed"})
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "confirmed"
    [row] = pool.pool(world.county_a)
    assert row.spot_items == 1
    client.force_login(world.outsider)
    assert client.get(reverse("practice:checks_spot_detail", args=[check.pk])).status_code == 404


def test_a_trainer_of_another_countys_pool_cannot_be_assigned(world, trainer, check):
    track = tracks.track_create(actor=world.outsider, kind=TrackKind.TRAINING_TEAM, name="思明区培训团队",
                                run_by=world.county_b, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    tracks.nominations_create(actor=world.outsider, track=track, teachers=[world.teacher_b])
    tracks.nominations_decide(actor=world.outsider, track=track, select=True,
                              nominations=list(Nomination.objects.filter(track=track)))

    with pytest.raises(services.ValidationError) as refused:
        services.spot_check_assign(actor=world.county_officer, check=check, reviewers=[world.teacher_b.user])

    assert world.teacher_b.name in refused.value.messages[0]
    assert not RoleAssignment.objects.filter(user=world.teacher_b.user, role="expert").exists()
