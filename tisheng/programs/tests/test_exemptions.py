import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog
from tisheng.programs.models import Enrollment, EnrollmentState, Exemption
from tisheng.programs.services.enrollment import batch_create, batch_enroll
from tisheng.programs.services.exemptions import ALREADY_PENDING, exemption_decide, exemption_request


@pytest.fixture
def enrolled(world, program_2):
    batch = batch_create(actor=world.province_officer, program=program_2, year=2024, name="全员",
                         counties=[world.county_a, world.county_b])
    batch_enroll(actor=world.province_officer, batch=batch)
    return Enrollment.objects.get(program=program_2, teacher=world.teachers_a[2])


def test_a_school_requests_and_the_county_approves_a_manual_exemption(world, enrolled):
    exemption = exemption_request(actor=world.principal, enrollment=enrolled, reason="长期病假（2024年9月起）")
    assert (exemption.state, exemption.kind, exemption.requested_by) == ("pending", "manual", world.principal)
    enrolled.refresh_from_db()
    assert enrolled.state == EnrollmentState.ENROLLED  # not until the county decides

    exemption_decide(actor=world.county_officer, exemption=exemption, approve=True)

    exemption.refresh_from_db()
    enrolled.refresh_from_db()
    assert (exemption.state, exemption.decided_by) == (Exemption.State.APPROVED, world.county_officer)
    assert enrolled.state == EnrollmentState.EXEMPT
    assert AuditLog.objects.filter(action="exemption_decided", detail__approved=True).exists()


def test_a_rejected_exemption_leaves_the_teacher_enrolled(world, enrolled):
    exemption = exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")

    exemption_decide(actor=world.county_officer, exemption=exemption, approve=False)

    enrolled.refresh_from_db()
    assert enrolled.state == EnrollmentState.ENROLLED
    assert Exemption.objects.get(pk=exemption.pk).decided_by == world.county_officer


def test_a_school_cannot_approve_its_own_request(world, enrolled):
    exemption = exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")

    with pytest.raises(PermissionDenied):
        exemption_decide(actor=world.principal, exemption=exemption, approve=True)


def test_a_second_request_while_one_is_pending_is_refused(world, enrolled):
    exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")

    with pytest.raises(ValidationError) as exc:
        exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")
    assert exc.value.message_dict["reason"] == [_(ALREADY_PENDING)]


def test_the_outsider_can_neither_request_nor_decide_in_another_county(world, enrolled):
    with pytest.raises(Http404):
        exemption_request(actor=world.outsider, enrollment=enrolled, reason="病假")
    exemption = exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")
    with pytest.raises(Http404):
        exemption_decide(actor=world.outsider, exemption=exemption, approve=True)
    assert Exemption.objects.get(pk=exemption.pk).state == "pending"


def test_the_outsider_gets_404_on_the_exemption_pages(client, world, enrolled, password):
    exemption = exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")
    client.login(username=world.outsider.phone, password=password)

    assert client.post(reverse("programs:exemption_decide", args=[exemption.pk]),
                       {"decision": "approve"}).status_code == 404
    assert "病假" not in client.get(reverse("programs:exemptions")).content.decode()


def test_the_county_approves_from_its_queue_page(client, world, enrolled, password):
    exemption = exemption_request(actor=world.principal, enrollment=enrolled, reason="长期病假")
    client.login(username=world.county_officer.phone, password=password)
    assert "长期病假" in client.get(reverse("programs:exemptions")).content.decode()

    response = client.post(reverse("programs:exemption_decide", args=[exemption.pk]), {"decision": "approve"})

    assert response.status_code == 302
    enrolled.refresh_from_db()
    assert enrolled.state == EnrollmentState.EXEMPT


def test_the_school_requests_from_the_enrollment_page(client, world, enrolled, password):
    client.login(username=world.principal.phone, password=password)

    response = client.post(reverse("programs:exemption_request", args=[enrolled.pk]), {"reason": "长期病假"})

    assert response.url == reverse("programs:enrollments", args=[enrolled.program_id])
    assert enrolled.exemptions.get().reason == "长期病假"


def test_the_enrollment_page_shows_only_the_actors_area(client, world, enrolled, password, django_assert_max_num_queries):
    client.login(username=world.outsider.phone, password=password)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("programs:enrollments", args=[enrolled.program_id])).content.decode()

    assert "王建国" in page
    assert "黄丽华" not in page
    assert "林晓燕" not in page
    assert client.post(reverse("programs:exemption_request", args=[enrolled.pk]),
                       {"reason": "x"}).status_code == 404


def test_the_enrollment_page_query_count_does_not_grow_with_rows(client, world, enrolled, password,
                                                                 django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tisheng.people.tests.factories import TeacherFactory
    from tisheng.programs.services.enrollment import enrollment_sync_for_schools

    client.login(username=world.county_officer.phone, password=password)
    url = reverse("programs:enrollments", args=[enrolled.program_id])
    exemption_request(actor=world.principal, enrollment=enrolled, reason="病假")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(20):
        TeacherFactory(school=world.school_a)
    enrollment_sync_for_schools([world.school_a.pk])

    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("<tr>") > 20


def test_the_enrollment_page_filters_by_name_and_school(client, world, enrolled, password):
    client.login(username=world.county_officer.phone, password=password)
    url = reverse("programs:enrollments", args=[enrolled.program_id])

    by_name = client.get(url, {"q": "晓燕"}).content.decode()
    by_school = client.get(url, {"school": world.school_a2.code}).content.decode()
    outside = client.get(url, {"school": world.school_b.code}).content.decode()

    assert "林晓燕" in by_name
    assert "陈志强" not in by_name
    assert "张美玲" in by_school
    assert "林晓燕" not in by_school
    assert "王建国" not in outside
