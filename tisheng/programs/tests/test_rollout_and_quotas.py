import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from tisheng.orgs.models import Region
from tisheng.programs.models import ManagementTraining, QuotaTarget
from tisheng.programs.selectors import ROLLOUT_SHORT, quota_table, rollout_warnings
from tisheng.programs.services.enrollment import batch_create
from tisheng.programs.services.programs import management_training_record, quota_targets_fujian


def _city(world, code, name):
    return Region.objects.create(code=code, name=name, level="city", parent=world.province, path=f"35/{code}")


def _county(city, code, name):
    return Region.objects.create(code=code, name=name, level="county", parent=city, path=f"{city.path}/{code}")


@pytest.fixture
def more_regions(world):
    world.quanzhou = _city(world, "3505", "泉州市")
    world.pingtan = _city(world, "3590", "平潭综合实验区")
    world.county_a_2 = _county(world.city_a, "350103", "台江区")
    world.licheng = _county(world.quanzhou, "350502", "鲤城区")
    world.pingtan_county = _county(world.pingtan, "359001", "平潭县")
    return world


def test_the_2015_minimums_warn_about_every_city_short_of_counties(more_regions, program_1):
    w = more_regions
    batch_create(actor=w.province_officer, program=program_1, year=2015, name="第一批",
                 counties=[w.county_a, w.county_a_2, w.county_b, w.licheng])

    warnings = rollout_warnings(program_1)

    # 福州 has 2 (enough); 厦门 and 泉州 have 1 of 2; 平潭 has none of 1.
    assert warnings == [
        _(ROLLOUT_SHORT) % {"year": 2015, "city": "厦门市", "n": 1, "minimum": 2},
        _(ROLLOUT_SHORT) % {"year": 2015, "city": "泉州市", "n": 1, "minimum": 2},
        _(ROLLOUT_SHORT) % {"year": 2015, "city": "平潭综合实验区", "n": 0, "minimum": 1},
    ]
    assert warnings[-1] == "2015年平潭综合实验区只有 0 个县（市、区）列入批次，通知要求至少 1 个。"


def test_counties_joining_in_a_later_year_do_not_count_for_2015(more_regions, program_1):
    w = more_regions
    batch_create(actor=w.province_officer, program=program_1, year=2016, name="第二批", counties=[w.pingtan_county])

    assert any("平潭" in line for line in rollout_warnings(program_1))


def test_a_2_0_program_has_no_2015_minimums(world, program_2):
    assert rollout_warnings(program_2) == []


def test_the_province_office_sees_the_warnings_on_the_rollout_page(client, more_regions, program_1, password):
    client.login(username=more_regions.province_officer.phone, password=password)

    page = client.get(reverse("programs:rollout", args=[program_1.pk])).content.decode()

    assert "平潭综合实验区只有 0 个" in page


def test_the_province_creates_and_enrolls_a_batch_from_the_rollout_page(client, world, program_2, password):
    client.login(username=world.province_officer.phone, password=password)

    client.post(reverse("programs:rollout", args=[program_2.pk]),
                {"year": "2024", "name": "2024年第一批", "counties": [str(world.county_a.pk)]})
    batch = program_2.batches.get()
    response = client.post(reverse("programs:batch_enroll", args=[program_2.pk, batch.pk]), follow=True)

    assert batch.enrollments.count() == 4
    assert "4" in response.content.decode()


def test_a_county_office_cannot_create_or_enroll_batches(client, world, program_2, password):
    batch = batch_create(actor=world.province_officer, program=program_2, year=2024, name="x", counties=[world.county_a])
    client.login(username=world.county_officer.phone, password=password)

    assert client.post(reverse("programs:rollout", args=[program_2.pk]),
                       {"year": "2024", "name": "y", "counties": [str(world.county_b.pk)]}).status_code == 403
    assert client.post(reverse("programs:batch_enroll", args=[program_2.pk, batch.pk])).status_code == 403
    assert not batch.enrollments.exists()


def test_quota_targets_follow_the_notice_and_actuals_count_records(more_regions, program_1):
    w = more_regions
    quota_targets_fujian(actor=w.province_officer, program=program_1)
    city_officer = _city_officer(w)
    for name in ("陈校长", "林教研员"):
        management_training_record(actor=city_officer, program=program_1, region=w.city_a, kind="management",
                                   name=name, trained_on=dt.date(2015, 10, 1))
    management_training_record(actor=w.province_officer, program=program_1, region=w.province, kind="backbone",
                               name="骨干甲", trained_on=dt.date(2015, 11, 1))

    rows = {r.region.code: (r.target, r.actual, r.gap) for r in quota_table(w.province_officer, program_1)}

    assert rows["35"] == (2000, 1, 1999)
    assert rows["3501"] == (500, 2, 498)
    assert rows["3590"] == (100, 0, 100)
    assert QuotaTarget.objects.filter(program=program_1).count() == 5  # province + 4 city-level units


def _city_officer(w):
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.tests.factories import UserFactory

    user = UserFactory(name="福州市工程办", phone="13700000009")
    RoleAssignment.objects.create(user=user, role="city_office", region=w.city_a)
    return user


def test_a_city_records_only_its_own_trainees(more_regions, program_1):
    w = more_regions
    city_officer = _city_officer(w)

    with pytest.raises(PermissionDenied):
        management_training_record(actor=city_officer, program=program_1, region=w.city_b, kind="backbone",
                                   name="某人", trained_on=dt.date(2015, 10, 1))
    with pytest.raises(PermissionDenied):
        management_training_record(actor=w.county_officer, program=program_1, region=w.city_a, kind="backbone",
                                   name="某人", trained_on=dt.date(2015, 10, 1))
    assert not ManagementTraining.objects.exists()


def test_the_outsider_sees_no_quota_row_or_trainee_of_another_city(client, more_regions, program_1, password):
    w = more_regions
    quota_targets_fujian(actor=w.province_officer, program=program_1)
    management_training_record(actor=w.province_officer, program=program_1, region=w.city_a, kind="management",
                               name="福州受训人", trained_on=dt.date(2015, 10, 1))
    client.login(username=w.outsider.phone, password=password)

    page = client.get(reverse("programs:quotas", args=[program_1.pk])).content.decode()

    assert "福州受训人" not in page
    assert quota_table(w.outsider, program_1) == []


def test_the_quota_page_records_a_trainee_and_its_query_count_does_not_grow(client, more_regions, program_1, password,
                                                                            django_assert_max_num_queries):
    w = more_regions
    quota_targets_fujian(actor=w.province_officer, program=program_1)
    client.login(username=w.province_officer.phone, password=password)
    client.post(reverse("programs:quotas", args=[program_1.pk]), {
        "action": "training", "training-region": str(w.province.pk), "training-kind": "backbone",
        "training-people": "骨干乙，小学数学教师\n骨干丙, 初中语文教师\n\n", "training-trained_on": "2015-12-01"})
    assert list(ManagementTraining.objects.order_by("name").values_list("name", "position", "kind")) == [
        ("骨干丙", "初中语文教师", "backbone"), ("骨干乙", "小学数学教师", "backbone")]

    with django_assert_max_num_queries(16):
        page = client.get(reverse("programs:quotas", args=[program_1.pk])).content.decode()
    assert "骨干乙" in page
    assert "1,998" in page


def test_targets_per_kind_add_up_unless_one_covers_both(world, program_1):
    from tisheng.programs.services.programs import quota_target_set

    quota_target_set(actor=world.province_officer, program=program_1, region=world.city_b, kind="management",
                     target=200)
    quota_target_set(actor=world.province_officer, program=program_1, region=world.city_b, kind="backbone",
                     target=300)
    assert {r.region.code: r.target for r in quota_table(world.province_officer, program_1)}["3502"] == 500

    quota_target_set(actor=world.province_officer, program=program_1, region=world.city_b, target=600)
    assert {r.region.code: r.target for r in quota_table(world.province_officer, program_1)}["3502"] == 600
