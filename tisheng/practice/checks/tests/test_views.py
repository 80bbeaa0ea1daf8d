import random

import pytest
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.people.tests.factories import TeacherFactory, UserFactory
from tisheng.practice.checks import services, textgen
from tisheng.practice.checks.indexing import index_pending
from tisheng.practice.checks.models import SpotCheck, SpotCheckItem
from tisheng.practice.models import PointChoice, PointResult

from .conftest import make_passed, make_submission


@pytest.fixture
def drawn(world, practice, reviewer, reviewer_b):
    """A check drawn in each county, each assigned to its college's reviewer."""
    for t in world.teachers_a:
        make_passed(practice, t, 0)
    make_passed(practice, world.teacher_b, 0)
    check_a = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                       share=1)
    services.spot_check_assign(actor=world.county_officer, check=check_a, reviewers=[reviewer])
    officer_b = world.outsider
    check_b = services.spot_check_draw(actor=officer_b, program=practice.program, region=world.county_b, share=1)
    services.spot_check_assign(actor=officer_b, check=check_b, reviewers=[reviewer_b])
    return check_a, check_b


def test_the_county_office_draws_a_spot_check_from_the_page(client, world, practice):
    for t in world.teachers_a:
        make_passed(practice, t, 0)
    client.force_login(world.county_officer)
    response = client.post(reverse("practice:checks_spot_draw"),
                           {"program": practice.program.pk, "region": world.county_a.pk, "share": "50",
                            "fail_threshold": "30"})
    check = SpotCheck.objects.get()
    assert response.url == reverse("practice:checks_spot_detail", args=[check.pk])
    assert check.items.count() == 2  # ceil(3 × 50 %)
    page = client.get(response.url)
    assert str(check.seed) in page.content.decode()


def test_another_county_cannot_open_or_draw_county_as_spot_check(client, world, practice, drawn):
    check_a, _ = drawn
    client.force_login(world.outsider)
    assert client.get(reverse("practice:checks_spot_detail", args=[check_a.pk])).status_code == 404
    assert client.post(reverse("practice:checks_spot_draw"),
                       {"program": practice.program.pk, "region": world.county_a.pk}).status_code == 404
    assert client.get(reverse("practice:checks_item", args=[check_a.items.first().pk])).status_code == 404


def test_a_reviewer_sees_only_the_items_assigned_to_them(client, world, practice, drawn, reviewer):
    check_a, check_b = drawn
    client.force_login(reviewer)
    page = client.get(reverse("practice:checks_review_list"))
    names = {t.name for t in world.teachers_a}
    assert list(page.context["page"].object_list) == list(check_a.items.order_by("org_path", "pk"))
    assert all(n in page.content.decode() for n in names)
    assert world.teacher_b.name not in page.content.decode()
    assert client.get(reverse("practice:checks_item", args=[check_b.items.first().pk])).status_code == 404


def test_a_second_reviewer_of_the_same_college_cannot_open_anothers_item(client, world, practice, drawn):
    check_a, _ = drawn
    colleague = UserFactory(name="另一评审", phone="13700000013")
    RoleAssignment.objects.create(user=colleague, role="teacher_college", organization=world.college_a)
    client.force_login(colleague)
    assert client.get(reverse("practice:checks_item", args=[check_a.items.first().pk])).status_code == 404


def test_a_reviewer_fails_an_item_from_its_page_and_moves_to_the_next(client, world, practice, drawn, reviewer):
    check_a, _ = drawn
    first, second = check_a.items.order_by("org_path", "pk")[:2]
    client.force_login(reviewer)
    response = client.post(reverse("practice:checks_item", args=[first.pk]),
                           {"outcome": "failed", "reason": "课堂实录与设计不符"})
    assert response.url == reverse("practice:checks_item", args=[second.pk])
    assert PointResult.objects.get(pk=first.result_id).status == "returned"


def test_a_failed_check_without_reasons_shows_the_error(client, world, practice, drawn, reviewer):
    check_a, _ = drawn
    item = check_a.items.first()
    client.force_login(reviewer)
    page = client.post(reverse("practice:checks_item", args=[item.pk]), {"outcome": "failed"}, follow=True)
    assert str(services.FAIL_REASON_REQUIRED) in page.content.decode()
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "pending"


def test_the_similarity_page_shows_the_copy_side_by_side_with_the_other_teacher_masked(client, world, practice):
    rng = random.Random(21)
    original = make_submission(practice, world.teacher_b, textgen.text(rng, 600))
    copy = make_submission(practice, world.teachers_a[2], textgen.edited(original.text, rng))
    index_pending()
    client.force_login(world.principal)
    page = client.get(reverse("practice:checks_similarity", args=[copy.pk]))
    html = page.content.decode()
    assert page.context["similar"][0].other == original
    assert "王**" in html
    assert world.teacher_b.name not in html
    assert world.school_b.name in html
    assert '<mark class="shared">' in html


def test_the_province_sees_the_other_teachers_name(client, world, practice):
    rng = random.Random(22)
    original = make_submission(practice, world.teacher_b, textgen.text(rng, 600))
    copy = make_submission(practice, world.teachers_a[2], textgen.edited(original.text, rng))
    index_pending()
    client.force_login(world.province_officer)
    assert world.teacher_b.name in client.get(reverse("practice:checks_similarity", args=[copy.pk])).content.decode()


def test_the_original_shows_the_later_copy_too(client, world, practice):
    rng = random.Random(23)
    original = make_submission(practice, world.teachers_a[2], textgen.text(rng, 600))
    make_submission(practice, world.teachers_a[1], textgen.edited(original.text, rng))
    index_pending()
    client.force_login(world.principal)
    page = client.get(reverse("practice:checks_similarity", args=[original.pk]))
    assert len(page.context["similar"]) == 1


def test_the_outsider_cannot_open_a_submissions_similarity_page(client, world, practice):
    submission = make_submission(practice, world.teachers_a[2], textgen.text(random.Random(24), 300))
    client.force_login(world.outsider)
    assert client.get(reverse("practice:checks_similarity", args=[submission.pk])).status_code == 404


def test_a_teacher_cannot_open_the_similarity_report_of_their_own_evidence(client, world, practice):
    submission = make_submission(practice, world.teacher, textgen.text(random.Random(25), 300))
    client.force_login(world.teacher.user)
    assert client.get(reverse("practice:checks_similarity", args=[submission.pk])).status_code == 404


def test_the_school_overview_shows_the_numbers(client, world, practice):
    t1, t2, _t3 = world.teachers_a
    PointChoice.objects.create(program=practice.program, teacher=t1, point=practice.points[0],
                               point_version=practice.versions[0], chosen_at=timezone.now())
    make_passed(practice, t1, 0, result="excellent")
    client.force_login(world.principal)
    page = client.get(reverse("practice:checks_school_overview", args=[world.school_a.pk]))
    assert page.context["summary"] == {"teachers": 3, "not_chosen": 2, "not_submitted": 1, "waiting": 0}
    assert page.context["points"][0]["excellent_rate"] == 1.0
    assert t2.name in page.content.decode()


def test_the_overview_sends_each_user_to_their_own_node(client, world, practice):
    client.force_login(world.principal)
    assert client.get(reverse("practice:checks_overview")).url == reverse("practice:checks_school_overview",
                                                                           args=[world.school_a.pk])
    client.force_login(world.county_officer)
    assert client.get(reverse("practice:checks_overview")).url == reverse("practice:checks_region_overview",
                                                                           args=[world.county_a.pk])


def test_the_outsider_gets_404_on_county_as_overviews(client, world, practice):
    client.force_login(world.outsider)
    assert client.get(reverse("practice:checks_school_overview", args=[world.school_a.pk])).status_code == 404
    assert client.get(reverse("practice:checks_region_overview", args=[world.county_a.pk])).status_code == 404


def test_a_teacher_gets_404_on_the_school_overview(client, world, practice):
    client.force_login(world.teacher.user)
    assert client.get(reverse("practice:checks_school_overview", args=[world.school_a.pk])).status_code == 404


def _add_teachers(world, practice, n):
    for _ in range(n):
        teacher = TeacherFactory(school=world.school_a)
        PointChoice.objects.create(program=practice.program, teacher=teacher, point=practice.points[0],
                                   point_version=practice.versions[0], chosen_at=timezone.now())
        make_passed(practice, teacher, 0)


def test_the_county_overview_query_count_does_not_grow_with_teachers(client, world, practice, drawn,
                                                                     django_assert_max_num_queries):
    client.force_login(world.county_officer)
    url = reverse("practice:checks_region_overview", args=[world.county_a.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    _add_teachers(world, practice, 6)
    with django_assert_max_num_queries(len(before)):
        page = client.get(url)
    assert page.context["summary"]["teachers"] == 10


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_spot_check_and_review_pages_take_as_many_queries_for_many_items_as_for_few(client, world, practice,
                                                                                        reviewer):
    for t in world.teachers_a:
        make_passed(practice, t, 0)
    small = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                     share=1)
    services.spot_check_assign(actor=world.county_officer, check=small, reviewers=[reviewer])
    client.force_login(world.county_officer)
    detail_few = _queries(client, reverse("practice:checks_spot_detail", args=[small.pk]))
    client.force_login(reviewer)
    review_few = _queries(client, reverse("practice:checks_review_list"))
    for _ in range(8):
        make_passed(practice, TeacherFactory(school=world.school_a2), 1)
    big = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                   share=1)
    services.spot_check_assign(actor=world.county_officer, check=big, reviewers=[reviewer])
    assert big.items.count() > small.items.count()
    client.force_login(world.county_officer)
    assert _queries(client, reverse("practice:checks_spot_detail", args=[big.pk])) == detail_few
    client.force_login(reviewer)
    assert _queries(client, reverse("practice:checks_review_list")) == review_few


def test_the_outsider_sees_only_their_own_countys_spot_checks_and_cannot_act_on_county_as(client, world, practice,
                                                                                           drawn, reviewer):
    check_a, check_b = drawn
    client.force_login(world.outsider)
    page = client.get(reverse("practice:checks_spot_list"))
    assert list(page.context["page"].object_list) == [check_b]
    assert [c.pk for c in page.context["counties"]] == [world.county_b.pk]
    assert client.post(reverse("practice:checks_spot_assign", args=[check_a.pk]),
                       {"reviewers": [reviewer.pk]}).status_code == 404
    assert client.post(reverse("practice:checks_spot_close", args=[check_a.pk])).status_code == 404
    assert client.get(reverse("practice:checks_review_list")).status_code == 404


def test_the_outsider_does_not_see_county_as_flagged_evidence(client, world, practice):
    rng = random.Random(26)
    original = make_submission(practice, world.teachers_a[1], textgen.text(rng, 600))
    make_submission(practice, world.teachers_a[2], textgen.edited(original.text, rng))
    index_pending()
    client.force_login(world.principal)
    assert len(client.get(reverse("practice:checks_similarity_list")).context["page"].object_list) == 1
    client.force_login(world.outsider)
    assert list(client.get(reverse("practice:checks_similarity_list")).context["page"].object_list) == []
