"""The review chain's pages: one queue per level with counts, filters and batch actions,
an enrollment's page to approve or return it, the teacher's own page, and scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.accounts.models import AuditAction, AuditLog
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment
from tisheng.programs.services import review as svc
from tisheng.programs.tests.test_review_service import city_officer, enroll


@pytest.fixture
def at_county(world, program_2):
    """Every teacher of county A waiting for the county, and one of county B."""
    rows = [enroll(program_2, t, state="under_review", review_level="county")
            for t in [*world.teachers_a, world.teacher_a2]]
    enroll(program_2, world.teacher_b, state="under_review", review_level="county")
    return rows


def login(client, user):
    client.force_login(user)
    return client


def test_the_county_queue_lists_its_pending_teachers_with_counts_per_school(client, world, program_2, at_county):
    response = login(client, world.county_officer).get(reverse("review:county"))
    assert response.status_code == 200
    page = response.content.decode()
    for t in [*world.teachers_a, world.teacher_a2]:
        assert t.name in page
    assert world.teacher_b.name not in page
    counts = response.context["counts"]
    assert (counts.pending, counts.passed, counts.returned) == (4, 0, 0)
    assert {u.name: u.pending for u in counts.units} == {world.school_a.name: 3, world.school_a2.name: 1}


def test_the_outsiders_queue_shows_none_of_county_a(client, world, program_2, at_county):
    response = login(client, world.outsider).get(reverse("review:county"))
    page = response.content.decode()
    assert world.teacher_b.name in page
    assert all(t.name not in page for t in world.teachers_a)
    assert response.context["counts"].pending == 1


def test_the_outsider_gets_404_for_an_enrollment_of_another_county(client, world, program_2, at_county):
    login(client, world.outsider)
    url = reverse("review:enrollment", args=[at_county[0].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "return", "reason": "不合格"}).status_code == 404
    at_county[0].refresh_from_db()
    assert at_county[0].state == "under_review"


def test_a_teacher_cannot_open_a_review_queue(client, world, program_2):
    login(client, world.teachers_a[2].user)
    assert client.get(reverse("review:county")).status_code == 403
    assert client.get(reverse("review:school")).status_code == 403


def test_a_county_office_cannot_open_the_city_queue(client, world, program_2):
    assert login(client, world.county_officer).get(reverse("review:city")).status_code == 403


def test_the_county_approves_the_ticked_teachers(client, world, program_2, at_county):
    login(client, world.county_officer)
    ticked = at_county[:2]
    response = client.post(reverse("review:county"), {"program": program_2.pk, "mode": "selected",
                                                      "ids": [e.pk for e in ticked]})
    assert response.status_code == 302
    states = dict(Enrollment.objects.values_list("pk", "review_level"))
    assert [states[e.pk] for e in at_county] == ["city", "city", "county", "county"]
    log = AuditLog.objects.get(action=AuditAction.REVIEW_APPROVED)
    assert sorted(log.detail["ids"]) == sorted(e.pk for e in ticked)


def test_the_county_approves_everything_the_filter_matches_and_nothing_else(client, world, program_2, at_county):
    login(client, world.county_officer)
    response = client.post(reverse("review:county"), {"program": program_2.pk, "mode": "filter",
                                                      "school": world.school_a.pk})
    assert response.status_code == 302
    waiting = Enrollment.objects.filter(review_level="county").values_list("teacher__name", flat=True)
    assert sorted(waiting) == sorted([world.teacher_a2.name, world.teacher_b.name])


def test_approving_with_nothing_ticked_says_so(client, world, program_2, at_county):
    login(client, world.county_officer)
    response = client.post(reverse("review:county"), {"program": program_2.pk, "mode": "selected"}, follow=True)
    assert str(svc.NOTHING_SELECTED) in response.content.decode()
    assert not Enrollment.objects.exclude(review_level="county").exists()


def test_the_outsider_approving_county_a_ids_changes_nothing(client, world, program_2, at_county):
    login(client, world.outsider)
    client.post(reverse("review:county"), {"program": program_2.pk, "mode": "selected",
                                           "ids": [e.pk for e in at_county]})
    assert Enrollment.objects.filter(review_level="county").count() == 5


def test_a_return_with_its_reason_shows_on_the_school_queue_and_the_teachers_page(client, world, program_2, at_county):
    returned = at_county[0]
    login(client, world.county_officer)
    response = client.post(reverse("review:enrollment", args=[returned.pk]),
                           {"action": "return", "reason": "课堂实录无法播放"})
    assert response.status_code == 302
    returned.refresh_from_db()
    assert (returned.state, returned.return_reason) == ("returned", "课堂实录无法播放")
    school_page = login(client, world.principal).get(reverse("review:school")).content.decode()
    assert "课堂实录无法播放" in school_page
    mine = login(client, returned.teacher.user).get(reverse("review:mine")).content.decode()
    assert "课堂实录无法播放" in mine


def test_a_return_without_a_reason_is_refused_on_the_page(client, world, program_2, at_county):
    login(client, world.county_officer)
    response = client.post(reverse("review:enrollment", args=[at_county[0].pk]), {"action": "return", "reason": ""})
    assert response.status_code == 400
    assert str(svc.RETURN_REASON_REQUIRED) in response.content.decode()


def test_a_county_cannot_act_on_an_enrollment_waiting_for_the_city(client, world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="city")
    login(client, world.county_officer)
    page = client.get(reverse("review:enrollment", args=[e.pk]))
    assert page.status_code == 200
    assert page.context["level"] is None
    assert client.post(reverse("review:enrollment", args=[e.pk]),
                       {"action": "return", "reason": "材料不全"}).status_code == 403
    e.refresh_from_db()
    assert e.review_level == "city"


def test_the_chain_runs_through_every_level_on_its_pages(client, world, program_2):
    e = enroll(program_2, world.teacher)
    steps = [(world.principal, "school"), (world.county_officer, "county"), (city_officer(world), "city"),
             (world.province_officer, "province")]
    for actor, level in steps:
        login(client, actor).post(reverse(f"review:{level}"), {"program": program_2.pk, "mode": "filter"})
    e.refresh_from_db()
    assert (e.state, e.review_level) == ("approved", "")
    assert list(e.decisions.values_list("level", flat=True)) == ["school", "county", "city", "province"]


def test_the_queue_searches_by_name_and_filters_by_state(client, world, program_2, at_county):
    login(client, world.county_officer)
    found = client.get(reverse("review:county"), {"q": world.teachers_a[1].name})
    assert [e.teacher.name for e in found.context["page"]] == [world.teachers_a[1].name]
    svc.review_approve(actor=world.county_officer, level="county", program=program_2,
                       selection=Enrollment.objects.filter(pk=at_county[0].pk))
    approved = client.get(reverse("review:county"), {"status": "approved"})
    assert [e.pk for e in approved.context["page"]] == [at_county[0].pk]


def test_the_city_filters_its_queue_by_county(client, world, program_2):
    for t in world.teachers_a:
        enroll(program_2, t, state="under_review", review_level="city")
    client = login(client, city_officer(world))
    assert client.get(reverse("review:city"), {"region": "350102"}).context["page"].paginator.count == 3
    # a county outside the city's subtree finds nothing
    assert client.get(reverse("review:city"), {"region": "350203"}).context["page"].paginator.count == 0


def test_the_home_link_sends_each_role_to_its_level(client, world, program_2):
    assert login(client, world.county_officer).get(reverse("review:home")).url == reverse("review:county")
    assert login(client, world.province_officer).get(reverse("review:home")).url == reverse("review:province")
    assert login(client, world.principal).get(reverse("review:home")).url == reverse("review:school")


def test_the_teachers_page_shows_only_their_own_enrollments(client, world, program_2, at_county):
    mine = login(client, world.teachers_a[2].user).get(reverse("review:mine"))
    assert [r["enrollment"].teacher_id for r in mine.context["rows"]] == [world.teachers_a[2].pk]


@pytest.mark.parametrize("level", ["county", "city"])
def test_a_queue_page_takes_the_same_queries_for_n_or_3n_teachers(
        client, world, program_2, django_assert_num_queries, level):
    actor = world.county_officer if level == "county" else city_officer(world)
    login(client, actor)

    def add(n):
        for i in range(n):
            school = world.school_a if i % 2 else world.school_a2
            enroll(program_2, TeacherFactory(school=school), state="under_review", review_level=level)

    add(4)
    client.get(reverse(f"review:{level}"))  # warm the session
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse(f"review:{level}")).status_code == 200
    add(8)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse(f"review:{level}"))
    assert response.context["counts"].pending == 12


def test_each_role_finds_its_review_page_in_the_navigation(client, world, program_2):
    def nav(user):
        login(client, user)
        return {str(i["label"]): i["url"] for i in client.get(reverse("home")).context["nav_items"]}

    assert nav(world.county_officer)["结业审核"] == reverse("review:home")
    assert nav(world.principal)["结业名单报送"] == reverse("review:school")
    assert nav(world.province_officer)["结业审批"] == reverse("review:province")
    assert nav(world.teachers_a[2].user)["我的结业审核"] == reverse("review:mine")
    assert "结业审核" not in nav(world.teachers_a[2].user)


def test_approving_everything_matching_a_name_search_approves_only_that_teacher(client, world, program_2, at_county):
    login(client, world.county_officer)
    client.post(reverse("review:county"), {"program": program_2.pk, "mode": "filter", "q": world.teachers_a[2].name})
    moved = Enrollment.objects.filter(review_level="city").values_list("teacher_id", flat=True)
    assert list(moved) == [world.teachers_a[2].pk]


def test_the_school_submits_one_teacher_from_their_page(client, world, program_2):
    e = enroll(program_2, world.teacher)
    login(client, world.principal)
    response = client.post(reverse("review:enrollment", args=[e.pk]), {"action": "submit"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert (e.state, e.review_level) == ("under_review", "county")


def test_a_returned_teacher_still_short_of_hours_cannot_be_resubmitted(client, world, program_2):
    e = enroll(program_2, world.teacher, state="returned", explanation="还差实践应用 2 学时", return_reason="缺课堂实录")
    login(client, world.principal)
    queue = client.get(reverse("review:school")).content.decode()
    assert "缺课堂实录" in queue
    response = client.post(reverse("review:enrollment", args=[e.pk]), {"action": "submit"})
    assert response.status_code == 400
    assert str(svc.NOT_SUBMITTABLE) in response.content.decode()
    e.refresh_from_db()
    assert e.state == "returned"


def test_another_schools_principal_cannot_submit_this_schools_teacher(client, world, program_2):
    from tisheng.accounts.models import RoleAssignment

    e = enroll(program_2, world.teacher)
    other = world.teacher_b.user
    RoleAssignment.objects.create(user=other, role="school_admin", school=world.school_b)
    login(client, other)
    assert client.post(reverse("review:enrollment", args=[e.pk]), {"action": "submit"}).status_code == 404
    client.post(reverse("review:school"), {"program": program_2.pk, "mode": "selected", "ids": [e.pk]})
    e.refresh_from_db()
    assert e.state == "complete"
