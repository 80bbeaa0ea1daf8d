"""1.0's partner certificates: the training institution issues 网络培训合格证明 alone and
proposes 网络研修与教学实践合格证明, the teacher college co-signs it; the province's 结业证书
then needs both."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tisheng.accounts.models import RoleAssignment
from tisheng.certificates import services, services_partner
from tisheng.certificates.models import Certificate, PartnerSignature
from tisheng.certificates.services import certificate_issue
from tisheng.certificates.services_partner import awaiting_college, partner_issue, partner_sign
from tisheng.certificates.tests.conftest import enroll
from tisheng.jobs.models import Job
from tisheng.jobs.services import jobs_run_pending
from tisheng.learning.models import Contract
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.people.tests.factories import UserFactory
from tisheng.programs.models import Enrollment


def _member(name: str, phone: str, role: str, organization):
    user = UserFactory(name=name, phone=phone)
    RoleAssignment.objects.create(user=user, role=role, organization=organization)
    return user


@pytest.fixture
def contracted(world, program_1, institution):
    """The institution is contracted for county A in 1.0."""
    return Contract.objects.create(program=program_1, institution=institution, region=world.county_a,
                                   region_path=world.county_a.path)


@pytest.fixture
def trainer(contracted, institution):
    return _member("福建教育学院培训部", "13700000011", "institution", institution)


@pytest.fixture
def college(world):
    return _member("鼓楼区进修学校", "13700000012", "teacher_college", world.college_a)


@pytest.fixture
def other_college(world):
    org = OrganizationFactory(code="TC350203", name="思明区教师进修学校", kind="teacher_college", region=world.county_b)
    return _member("思明区进修学校", "13700000013", "teacher_college", org)


@pytest.fixture
def uncontracted(world, program_1):
    """An institution contracted only for county B."""
    org = OrganizationFactory(code="INST99", name="厦门某培训中心", kind="institution", region=world.province)
    Contract.objects.create(program=program_1, institution=org, region=world.county_b, region_path=world.county_b.path)
    return _member("厦门某培训中心", "13700000014", "institution", org)


@pytest.fixture
def trained(world, program_1):
    """County A's teachers with 50 online and 30 practice hours, still in progress."""
    return [enroll(program_1, t, state="in_progress", online="50", practice="30")
            for t in [*world.teachers_a, world.teacher_a2]]


def test_the_institution_issues_the_online_certificate_in_its_own_name(world, trainer, trained):
    certificate = partner_issue(actor=trainer, enrollment=trained[0], code="online")

    assert certificate.issuers == ["福建教育学院"]
    assert certificate.hours == 50
    assert certificate.issued_by == trainer
    trained[0].refresh_from_db()
    assert trained[0].state == "in_progress"


def test_the_institution_cannot_issue_the_joint_certificate_alone(world, trainer, trained):
    with pytest.raises(ValidationError) as excinfo:
        partner_issue(actor=trainer, enrollment=trained[0], code="practice")

    assert excinfo.value.messages == [str(services_partner.NOT_INSTITUTION_KIND)]


def test_the_online_certificate_needs_the_online_hours(world, program_1, trainer):
    enrollment = enroll(program_1, world.teacher, state="in_progress", online="42")

    with pytest.raises(ValidationError) as excinfo:
        partner_issue(actor=trainer, enrollment=enrollment, code="online")

    assert excinfo.value.code == "not_enough_hours"
    assert not Certificate.objects.exists()


def test_an_institution_without_a_contract_for_the_teachers_region_may_not_issue(world, uncontracted, trained):
    with pytest.raises(PermissionDenied):
        partner_issue(actor=uncontracted, enrollment=trained[0], code="online")
    with pytest.raises(PermissionDenied):
        partner_sign(actor=uncontracted, enrollment=trained[0], code="practice")

    assert not Certificate.objects.exists()
    assert not PartnerSignature.objects.exists()


def test_a_contract_in_another_program_does_not_reach_the_teacher(world, program_1, program_2, institution, trained):
    Contract.objects.create(program=program_2, institution=institution, region=world.county_a,
                            region_path=world.county_a.path)
    trainer = _member("福建教育学院培训部", "13700000011", "institution", institution)

    with pytest.raises(PermissionDenied):
        partner_issue(actor=trainer, enrollment=trained[0], code="online")

    assert not services_partner.institution_issuable(actor=trainer, program=program_1, code="online").exists()


def test_the_joint_certificate_is_issued_only_when_the_teacher_college_co_signs(world, trainer, college, trained):
    enrollment = trained[0]

    assert partner_sign(actor=trainer, enrollment=enrollment, code="practice") is None
    assert not Certificate.objects.exists()
    assert list(awaiting_college(actor=college, program=enrollment.program, code="practice")) == [enrollment]

    certificate = partner_sign(actor=college, enrollment=enrollment, code="practice")

    assert certificate.issuers == ["福建教育学院", "鼓楼区教师进修学校"]
    assert certificate.hours == 30
    signatures = {s.side: s for s in PartnerSignature.objects.filter(enrollment=enrollment)}
    assert signatures["institution"].signed_by == trainer
    assert signatures["teacher_college"].signed_by == college
    assert signatures["institution"].signed_at <= signatures["teacher_college"].signed_at
    assert {s.certificate_id for s in signatures.values()} == {certificate.pk}
    assert not awaiting_college(actor=college, program=enrollment.program, code="practice").exists()


def test_the_teacher_college_cannot_co_sign_before_the_institution_has_signed(world, college, trained):
    with pytest.raises(ValidationError) as excinfo:
        partner_sign(actor=college, enrollment=trained[0], code="practice")

    assert excinfo.value.messages == [str(services_partner.NOT_PROPOSED)]


def test_a_teacher_college_of_another_county_cannot_co_sign(world, trainer, other_college, trained):
    partner_sign(actor=trainer, enrollment=trained[0], code="practice")

    with pytest.raises(PermissionDenied):
        partner_sign(actor=other_college, enrollment=trained[0], code="practice")

    assert not awaiting_college(actor=other_college, program=trained[0].program, code="practice").exists()
    assert not Certificate.objects.exists()


def test_the_full_1_0_chain_ends_with_the_provinces_certificate(world, program_1, trainer, college, trained):
    enrollment = trained[0]
    online = partner_issue(actor=trainer, enrollment=enrollment, code="online")
    partner_sign(actor=trainer, enrollment=enrollment, code="practice")
    practice = partner_sign(actor=college, enrollment=enrollment, code="practice")

    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=world.province_officer, enrollment=enrollment, code="completion")
    assert excinfo.value.messages == [str(services.NOT_APPROVED)]

    Enrollment.objects.filter(pk=enrollment.pk).update(state="approved")  # the province approved the completion
    completion = certificate_issue(actor=world.province_officer, enrollment=enrollment, code="completion")

    assert online.issuers == ["福建教育学院"]
    assert practice.issuers == ["福建教育学院", "鼓楼区教师进修学校"]
    assert completion.issuers == ["福建省教育厅"]
    enrollment.refresh_from_db()
    assert enrollment.state == "certified"


def test_the_province_certificate_still_needs_both_partner_certificates(world, program_1, trainer, trained):
    enrollment = trained[0]
    partner_issue(actor=trainer, enrollment=enrollment, code="online")
    Enrollment.objects.filter(pk=enrollment.pk).update(state="approved")

    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=world.province_officer, enrollment=enrollment, code="completion")

    assert excinfo.value.code == "missing_certificates"
    assert "网络研修与教学实践合格证明" in excinfo.value.messages[0]


# Pages.

def _value(program, code: str) -> str:
    return f"{program.pk}:{code}"


def test_the_institution_signs_a_county_and_the_college_co_signs_one_school_in_one_action(
        client, world, program_1, trainer, college, trained, password):
    client.login(username=trainer.phone, password=password)
    response = client.post(reverse("certificates:partner_batch"), {
        "certificate": _value(program_1, "practice"), "action": "sign", "path": world.county_a.path})
    job = Job.objects.get(kind="certificates.partner_batch")
    assert response.url == reverse("certificates:partner_job", args=[job.pk])
    jobs_run_pending()
    assert PartnerSignature.objects.filter(side="institution").count() == 4
    assert not Certificate.objects.exists()

    client.login(username=college.phone, password=password)
    html = client.get(reverse("certificates:partner"), {"certificate": _value(program_1, "practice")}).content.decode()
    assert 'data-testid="total-cosign">4<' in html
    assert world.school_a.name in html
    client.post(reverse("certificates:partner_batch"), {
        "certificate": _value(program_1, "practice"), "action": "cosign", "path": world.school_a.path})
    jobs_run_pending()

    issued = Certificate.objects.filter(code="practice")
    assert sorted(c.teacher_name for c in issued) == sorted(t.name for t in world.teachers_a)
    assert all(c.issuers == ["福建教育学院", "鼓楼区教师进修学校"] for c in issued)
    job = Job.objects.filter(kind="certificates.partner_batch").latest("pk")
    page = client.get(reverse("certificates:partner_job", args=[job.pk])).content.decode()
    assert 'data-testid="issued-count">3<' in page
    html = client.get(reverse("certificates:partner"), {"certificate": _value(program_1, "practice")}).content.decode()
    assert 'data-testid="total-cosign">1<' in html


def test_the_institution_issues_one_teachers_online_certificate_from_the_page(
        client, world, program_1, trainer, trained, password):
    client.login(username=trainer.phone, password=password)
    html = client.get(reverse("certificates:partner"), {"certificate": _value(program_1, "online")}).content.decode()
    assert 'data-testid="total-issue">4<' in html

    client.post(reverse("certificates:partner_single", args=[trained[0].pk]),
                {"certificate": _value(program_1, "online"), "action": "issue"})

    certificate = Certificate.objects.get()
    assert certificate.teacher == world.teacher
    assert certificate.issuers == ["福建教育学院"]


def test_an_uncontracted_institution_gets_404_for_a_teacher_and_sees_nothing(
        client, world, program_1, uncontracted, trained, password):
    client.login(username=uncontracted.phone, password=password)

    response = client.post(reverse("certificates:partner_single", args=[trained[0].pk]),
                           {"certificate": _value(program_1, "online"), "action": "issue"})
    batch = client.post(reverse("certificates:partner_batch"), {
        "certificate": _value(program_1, "online"), "action": "issue", "path": world.county_a.path})
    html = client.get(reverse("certificates:partner"), {"certificate": _value(program_1, "online")}).content.decode()

    assert response.status_code == 404
    assert batch.status_code == 404
    assert 'data-testid="total-issue">0<' in html
    assert world.teacher.name not in html
    assert not Certificate.objects.exists()


def test_a_teacher_college_of_another_county_gets_404(client, world, program_1, trainer, other_college, trained,
                                                     password):
    partner_sign(actor=trainer, enrollment=trained[0], code="practice")
    client.login(username=other_college.phone, password=password)

    response = client.post(reverse("certificates:partner_single", args=[trained[0].pk]),
                           {"certificate": _value(program_1, "practice"), "action": "cosign"})
    html = client.get(reverse("certificates:partner"), {"certificate": _value(program_1, "practice")}).content.decode()

    assert response.status_code == 404
    assert 'data-testid="total-cosign">0<' in html
    assert not Certificate.objects.exists()


def test_the_outsider_sees_nothing(client, world, program_1, trainer, trained, password):
    partner_sign(actor=trainer, enrollment=trained[0], code="practice")
    client.login(username=world.outsider.phone, password=password)

    assert client.get(reverse("certificates:partner")).status_code == 403
    assert client.post(reverse("certificates:partner_single", args=[trained[0].pk]),
                       {"certificate": _value(program_1, "practice"), "action": "cosign"}).status_code == 404
    assert not awaiting_college(actor=world.outsider, program=program_1, code="practice").exists()


def test_the_pending_page_takes_the_same_queries_for_more_teachers(
        client, world, program_1, trainer, college, trained, password, django_assert_max_num_queries):
    for e in trained[:2]:
        partner_sign(actor=trainer, enrollment=e, code="practice")
    client.login(username=college.phone, password=password)
    url = reverse("certificates:partner")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, {"certificate": _value(program_1, "practice")})
    for e in trained[2:]:
        partner_sign(actor=trainer, enrollment=e, code="practice")

    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"certificate": _value(program_1, "practice")})

    assert 'data-testid="total-cosign">4<' in response.content.decode()


def test_the_demo_seed_issues_online_certificates_and_leaves_joint_ones_for_the_college(world, program_1, college):
    from tisheng.certificates.seed_partner import partner_certificates_seed_demo
    from tisheng.core.seed.accounts import DEMO_INSTITUTION_CODE

    org = OrganizationFactory(code=DEMO_INSTITUTION_CODE, name="福建师范大学继续教育学院", kind="institution",
                              region=world.province)
    _member("福建师大继教院管理员", "13700000015", "institution", org)
    for teacher in world.teachers_a:
        enroll(program_1, teacher, state="enrolled")

    issued = partner_certificates_seed_demo(school_code=world.school_a.code, program_code=program_1.code)

    assert issued == 3
    assert [c.issuers for c in Certificate.objects.filter(code="online")] == [["福建师范大学继续教育学院"]] * 3
    assert awaiting_college(actor=college, program=program_1, code="practice").count() == 3


def test_a_revoked_joint_certificate_is_signed_again_by_both_sides(world, trainer, college, trained):
    from tisheng.certificates.services import certificate_revoke

    enrollment = trained[0]
    partner_sign(actor=trainer, enrollment=enrollment, code="practice")
    first = partner_sign(actor=college, enrollment=enrollment, code="practice")
    certificate_revoke(actor=world.province_officer, certificate=first, reason="学时认定有误")

    assert partner_sign(actor=trainer, enrollment=enrollment, code="practice") is None
    second = partner_sign(actor=college, enrollment=enrollment, code="practice")

    assert second.pk != first.pk
    assert PartnerSignature.objects.filter(certificate=second).count() == 2
    assert PartnerSignature.objects.filter(certificate=first).count() == 2


def test_a_partner_batch_tells_its_teachers_in_one_insert_not_one_by_one(world, program_1, trainer, trained,
                                                                          monkeypatch):
    from tisheng.notifications import notices
    from tisheng.notifications.models import Notification

    calls = []
    original = notices.notify_many

    def counting(messages):
        messages = list(messages)
        calls.append(len(messages))
        return original(messages)

    monkeypatch.setattr(notices, "notify_many", counting)
    monkeypatch.setattr(services_partner, "notify_many", counting, raising=False)

    result = services_partner.partner_batch(actor=trainer, program=program_1, code="online", action="issue",
                                            path=world.county_a.path)

    assert result["issued"] == 4
    assert calls == [4]  # the chunk's four teachers in one call, not four
    assert Notification.objects.filter(recipient__in=[e.teacher.user for e in trained if e.teacher.user_id]).count() \
        == len([e for e in trained if e.teacher.user_id])
