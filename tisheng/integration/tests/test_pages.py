from decimal import Decimal

import pytest
from django.urls import reverse

from tisheng.integration.hooks import statements_stored
from tisheng.integration.tests.conftest import statement


def test_the_operations_page_shows_statements_per_day_credited_hours_and_rejections(
        world, lrs, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statements_stored(lrs.client_a, [statement(world.teacher, lrs.course.activity_id),
                                         statement(world.teacher_b, lrs.course.activity_id),
                                         statement(world.teacher, "https://elsewhere.example.com/x",
                                                   verb="http://adlnet.gov/expapi/verbs/experienced")])
    client.force_login(world.province_officer)
    response = client.get(reverse("integration:operations"))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["institution"] == lrs.inst_a)
    assert row["days"][-1] == 3
    assert row["hours"] == Decimal("12")
    assert row["rejected"] == 1
    assert "not enrolled" in response.content.decode() or "未" in response.content.decode()


def test_the_operations_page_costs_the_same_queries_with_more_institutions(world, lrs, client,
                                                                          django_assert_max_num_queries):
    client.force_login(world.province_officer)
    with django_assert_max_num_queries(13):  # 12 + the unread badge
        client.get(reverse("integration:operations"))


def test_the_mapping_rules_page_is_public_and_names_the_home_page(world, client, settings):
    response = client.get(reverse("integration:docs"))
    assert response.status_code == 200
    assert settings.SITE_URL in response.content.decode()
    assert "http://adlnet.gov/expapi/verbs/completed" in response.content.decode()


def test_the_operations_page_links_the_mapping_rules(world, client):
    client.force_login(world.province_officer)
    assert reverse("integration:docs") in client.get(reverse("integration:operations")).content.decode()


def test_the_province_office_sees_the_integration_entry_in_the_menu(world, client):
    client.force_login(world.province_officer)
    assert reverse("integration:operations") in client.get(reverse("home")).content.decode()
    client.force_login(world.outsider)
    assert reverse("integration:operations") not in client.get(reverse("home")).content.decode()


def test_a_user_without_a_teacher_record_has_no_platforms_page(world, client):
    client.force_login(world.province_officer)
    assert client.get(reverse("integration:platforms")).status_code == 404


def test_an_institution_sets_the_activity_id_of_its_published_course(world, lrs, client):
    client.force_login(lrs.inst_a_user)
    response = client.post(reverse("integration:institution_courses"),
                           {"course": lrs.course.pk, "activity_id": "https://lms.inst-a.example.com/c/9"})
    assert response.status_code == 302
    lrs.course.refresh_from_db()
    assert lrs.course.activity_id == "https://lms.inst-a.example.com/c/9"


def test_an_institution_cannot_set_the_activity_id_of_another_institutions_course(world, lrs, client):
    client.force_login(lrs.inst_b_user)
    response = client.post(reverse("integration:institution_courses"),
                           {"course": lrs.course.pk, "activity_id": "https://evil.example.com/c"})
    assert response.status_code == 404
    assert lrs.course.activity_id not in client.get(reverse("integration:institution_courses")).content.decode()


def test_two_courses_of_one_institution_cannot_share_an_activity_id(world, lrs):
    from django.core.exceptions import ValidationError

    from tisheng.integration.services import ACTIVITY_ID_TAKEN, course_activity_id_set
    from tisheng.learning.tests.factories import course

    other = course(lrs.program, lrs.inst_a, "A-102")
    with pytest.raises(ValidationError) as exc:
        course_activity_id_set(actor=lrs.inst_a_user, course=other, activity_id=lrs.course.activity_id)
    assert exc.value.messages == [str(ACTIVITY_ID_TAKEN)]


def test_the_activity_id_page_is_for_institutions_only(world, client):
    client.force_login(world.outsider)
    assert client.get(reverse("integration:institution_courses")).status_code == 403
