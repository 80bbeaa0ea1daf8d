"""The quality ranking: a Bayesian average that few votes cannot game, use counted once per
person and decayed, thresholds as data, the inputs and formula on the page; the demo seed."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tisheng.resources.models import QualityRule, Rating, Resource, SiteApplication, UsageEvent
from tisheng.resources.services import ranking, use
from tisheng.resources.tests.conftest import make_resource


def crowd(n: int) -> list:
    User = get_user_model()
    User.objects.bulk_create([User(phone=f"199{i:08d}", name=f"读者{i}") for i in range(n)])
    return list(User.objects.filter(phone__startswith="199").order_by("pk"))


def test_three_five_star_votes_do_not_beat_three_hundred_four_star_votes(world):
    few = make_resource(world, title="三个五星")
    many = make_resource(world, title="三百个四星")
    people = crowd(300)
    Rating.objects.bulk_create([Rating(resource=few, user=u, stars=5) for u in people[:3]]
                               + [Rating(resource=many, user=u, stars=4) for u in people])
    ranking.ranking_recompute()
    few.refresh_from_db()
    many.refresh_from_db()
    assert few.rating_count == 3
    assert many.rating_count == 300
    assert few.rating_score == pytest.approx(45 / 13)
    assert many.rating_score == pytest.approx(1230 / 310)
    assert many.quality_score > few.quality_score


def test_use_counts_each_person_once_by_their_strongest_use_and_fades_with_time(world):
    popular = make_resource(world, title="近期常用")
    old = make_resource(world, title="去年常用")
    people = crowd(4)
    now = timezone.now()
    UsageEvent.objects.bulk_create(
        [UsageEvent(resource=popular, user=people[0], kind="view", at=now) for _ in range(50)]
        + [UsageEvent(resource=popular, user=people[1], kind="used", at=now)]
        + [UsageEvent(resource=old, user=u, kind="used", at=now - dt.timedelta(days=360)) for u in people[:2]])
    ranking.ranking_recompute(now=now)
    popular.refresh_from_db()
    old.refresh_from_db()
    assert popular.usage_users == 2
    assert popular.usage_score == pytest.approx(1 + 4, rel=1e-3)
    assert old.usage_users == 2
    assert old.usage_score == pytest.approx(2 * 4 * 0.25, rel=1e-3)


def test_thresholds_are_data_and_mark_high_quality_resources(world):
    good = make_resource(world, title="好资源")
    people = crowd(12)
    Rating.objects.bulk_create([Rating(resource=good, user=u, stars=5) for u in people])
    UsageEvent.objects.bulk_create([UsageEvent(resource=good, user=u, kind="used") for u in people])
    ranking.ranking_recompute()
    assert Resource.objects.get(pk=good.pk).is_excellent
    QualityRule.objects.update(excellent_min_users=20)
    ranking.ranking_recompute()
    assert not Resource.objects.get(pk=good.pk).is_excellent


def test_one_rating_per_person_a_second_replaces_it_and_bad_stars_are_refused(client, world):
    resource = make_resource(world, title="分数的初步认识")
    client.force_login(world.teacher_b.user)
    client.post(reverse("resources:rate", args=[resource.pk]), {"stars": "3", "comment": "一般"})
    response = client.post(reverse("resources:rate", args=[resource.pk]), {"stars": "5", "comment": "很实用"},
                           follow=True)
    assert "你的评分已保存。" in response.content.decode()
    assert Rating.objects.get(resource=resource).stars == 5
    resource.refresh_from_db()
    assert (resource.rating_count, resource.rating_sum) == (1, 5)
    bad = client.post(reverse("resources:rate", args=[resource.pk]), {"stars": "6"}, follow=True)
    assert "请选择 1 到 5 星。" in bad.content.decode()
    with pytest.raises(ValidationError):
        use.rating_set(actor=world.teacher_b.user, resource=resource, stars="五")


def test_the_resource_page_shows_the_inputs_of_its_score_and_records_use(client, world):
    resource = make_resource(world, title="分数的初步认识")
    client.force_login(world.teacher_b.user)
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "质量得分" in page
    assert "评分得分" in page
    assert "贝叶斯平均" in page
    response = client.post(reverse("resources:use", args=[resource.pk]), {"note": "四年级数学教案"}, follow=True)
    assert "已记录你使用了这份资源" in response.content.decode()
    kinds = sorted(UsageEvent.objects.filter(resource=resource).values_list("kind", flat=True))
    assert kinds == ["used", "view", "view"] or kinds == ["used", "view"]


def test_the_demo_seed_fills_every_level_with_rated_and_used_resources(world, program_2):
    from tisheng.resources.seed import resources_seed_demo

    made = resources_seed_demo(school_code=world.school_a.code, count=40)
    assert made["resources"] >= 40
    assert made["ratings"] > 0
    assert made["uses"] > 0
    assert Resource.objects.filter(state="in_review").exists()
    assert Resource.objects.filter(state="returned").exists()
    assert set(Resource.objects.values_list("published_level", flat=True)) >= {"school", "county"}
    assert SiteApplication.objects.filter(state="designated").count() == 3


def test_the_province_sets_the_thresholds_and_a_recompute_is_queued_and_others_cannot(client, world):
    from tisheng.jobs.models import Job

    client.force_login(world.province_officer)
    fields = {"prior_mean": "3", "prior_weight": "10", "half_life_days": "90", "weight_view": "1",
              "weight_download": "2", "weight_used": "4", "rating_share": "0.6", "excellent_min_score": "70",
              "excellent_min_ratings": "5", "excellent_min_users": "10"}
    bad = client.post(reverse("resources:quality"), {**fields, "rating_share": "2"})
    assert bad.status_code == 400
    assert "请填写 0 到 1 之间的数字。" in bad.content.decode()
    response = client.post(reverse("resources:quality"), fields, follow=True)
    assert "排序参数已保存" in response.content.decode()
    assert ranking.quality_rule().half_life_days == 90
    assert Job.objects.filter(kind=ranking.RANK_JOB).count() == 1
    client.force_login(world.county_officer)
    assert client.get(reverse("resources:quality")).status_code == 403
