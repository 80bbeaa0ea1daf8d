import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tisheng.accounts.models import AuditLog
from tisheng.certificates import services, signing
from tisheng.certificates.models import Certificate
from tisheng.certificates.services import certificate_issue
from tisheng.certificates.tests.conftest import enroll


def test_issuing_the_2_0_certificate_numbers_signs_and_certifies_the_enrollment(world, program_2, approved_2):
    enrollment = approved_2[0]

    certificate = certificate_issue(actor=world.province_officer, enrollment=enrollment, code="completion")

    assert certificate.number == "FJ2024-350102-000001"
    assert certificate.teacher_name == "林晓燕"
    assert certificate.id_masked == world.teacher.national_id_masked
    assert "*" in certificate.id_masked
    assert certificate.hours == 55
    assert certificate.issuers == ["福建省教育厅"]
    enrollment.refresh_from_db()
    assert enrollment.state == "certified"
    verified = signing.verify_text(certificate.verification_string)
    assert verified.valid
    assert verified.payload["no"] == certificate.number
    assert verified.payload["name"] == "林晓燕"
    assert AuditLog.objects.filter(action="certificate_issued", object_id=str(certificate.pk)).exists()


def test_numbers_follow_on_per_county_and_program_year(world, program_2, approved_2):
    numbers = [certificate_issue(actor=world.province_officer, enrollment=e, code="completion").number
               for e in approved_2]

    assert numbers == [f"FJ2024-350102-{i:06d}" for i in range(1, len(approved_2) + 1)]


def test_issuing_the_same_kind_twice_returns_the_first_certificate(world, program_2, approved_2):
    first = certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")

    again = certificate_issue(actor=world.county_officer, enrollment=approved_2[0], code="completion")

    assert again.pk == first.pk
    assert Certificate.objects.count() == 1


def test_a_completion_that_is_not_approved_gets_no_certificate(world, program_2):
    enrollment = enroll(program_2, world.teacher, state="complete", online="25", practice="30")

    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=world.province_officer, enrollment=enrollment, code="completion")

    assert excinfo.value.messages == [str(services.NOT_APPROVED)]
    assert not Certificate.objects.exists()


def test_an_exempt_teacher_gets_no_certificate(world, program_2):
    enrollment = enroll(program_2, world.teacher, state="exempt")

    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=world.province_officer, enrollment=enrollment, code="completion")

    assert excinfo.value.code == "exempt"


def test_the_outsider_cannot_issue_in_another_county(world, program_2, approved_2):
    with pytest.raises(PermissionDenied):
        certificate_issue(actor=world.outsider, enrollment=approved_2[0], code="completion")

    assert not Certificate.objects.exists()


def test_a_kind_the_program_does_not_name_is_refused(world, program_2, approved_2):
    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="online")

    assert excinfo.value.messages == [str(services.UNKNOWN_KIND)]


class TestFujian2015:
    """1.0: online (50 h, institution), practice (30 h, institution + teacher college), then
    the province's completion certificate, which needs both."""

    def test_the_online_certificate_needs_50_online_hours(self, world, program_1, institution):
        enrollment = enroll(program_1, world.teacher, state="in_progress", online="42", practice="30")

        with pytest.raises(ValidationError) as excinfo:
            certificate_issue(actor=world.province_officer, enrollment=enrollment, code="online")

        assert excinfo.value.code == "not_enough_hours"
        assert "42" in excinfo.value.messages[0]
        assert "50" in excinfo.value.messages[0]

    def test_the_three_certificates_in_order_with_their_issuers(self, world, program_1, institution):
        enrollment = enroll(program_1, world.teacher, state="approved", online="50", practice="30")
        officer = world.province_officer

        with pytest.raises(ValidationError) as excinfo:
            certificate_issue(actor=officer, enrollment=enrollment, code="completion")
        assert excinfo.value.code == "missing_certificates"
        assert "网络培训合格证明" in excinfo.value.messages[0]

        online = certificate_issue(actor=officer, enrollment=enrollment, code="online")
        practice = certificate_issue(actor=officer, enrollment=enrollment, code="practice")
        completion = certificate_issue(actor=officer, enrollment=enrollment, code="completion")

        assert online.issuers == ["福建教育学院"]
        assert online.hours == 50
        assert practice.issuers == ["福建教育学院", "鼓楼区教师进修学校"]
        assert practice.hours == 30
        assert completion.issuers == ["福建省教育厅"]
        assert completion.number.startswith("FJ2015-350102-")
        enrollment.refresh_from_db()
        assert enrollment.state == "certified"

    def test_the_online_certificate_alone_does_not_certify_the_enrollment(self, world, program_1, institution):
        enrollment = enroll(program_1, world.teacher, state="in_progress", online="50")

        certificate_issue(actor=world.province_officer, enrollment=enrollment, code="online")

        enrollment.refresh_from_db()
        assert enrollment.state == "in_progress"

    def test_a_county_office_may_not_issue_the_institutions_certificate(self, world, program_1, institution):
        enrollment = enroll(program_1, world.teacher, state="in_progress", online="50")

        with pytest.raises(PermissionDenied):
            certificate_issue(actor=world.county_officer, enrollment=enrollment, code="online")

    def test_without_an_institution_for_the_county_there_is_no_issuer(self, world, program_1):
        enrollment = enroll(program_1, world.teacher, state="in_progress", online="50")

        with pytest.raises(ValidationError) as excinfo:
            certificate_issue(actor=world.province_officer, enrollment=enrollment, code="online")

        assert excinfo.value.code == "no_issuer"
