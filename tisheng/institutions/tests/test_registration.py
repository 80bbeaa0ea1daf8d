"""New training institutions register an organisation account on a public page; the province
checks it against the licence. Nothing exists until approval; the applicant is told either way;
bad input comes back with what was typed; a flood from one network is refused."""

from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from tisheng.accounts.models import AuditLog, RoleAssignment, User
from tisheng.institutions.models import InstitutionRegistration, RegistrationStatus
from tisheng.institutions.services import registration as svc
from tisheng.institutions.tests.conftest import pdf_upload
from tisheng.notifications.models import Notification, SmsOutbox
from tisheng.orgs.models import Organization

PASSWORD = "Qiao-2026-peixun"


def code(body: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    total = sum(svc.USCC_ALPHABET.index(c) * w for c, w in zip(body, svc.USCC_WEIGHTS, strict=False))
    return body + svc.USCC_ALPHABET[(31 - total % 31) % 31]


CODE = code("91350100MA31XYW12")


def post(client, **changes):
    data = {"name": "福州启航教育科技有限公司", "credit_code": CODE, "contact_name": "林晓", "phone": "18600009921",
            "email": "linxiao@example.cn", "statement": "专注中小学教师信息技术培训", "password": PASSWORD,
            "password2": PASSWORD, "licence": pdf_upload("营业执照.pdf")}
    data.update(changes)
    return client.post(reverse("institutions:register"), {k: v for k, v in data.items() if v is not None})


def test_the_credit_code_check_character_is_gb_32100s():
    assert svc.credit_code_valid("91350100M000100Y43")
    assert not svc.credit_code_valid("91350100M000100Y44")
    assert not svc.credit_code_valid("91350100M00010OY43")  # O is not in the alphabet


def test_an_institution_registers_and_its_account_opens_only_when_the_province_approves(world):
    public = Client()
    response = post(public)
    assert response.status_code == 302
    registration = InstitutionRegistration.objects.get()
    assert registration.status == RegistrationStatus.PENDING
    assert PASSWORD not in registration.password_hash
    assert not User.objects.filter(phone="18600009921").exists()
    assert not Organization.objects.filter(code=CODE).exists()
    assert Notification.objects.filter(recipient=world.province_officer, title="有培训机构申请注册账号").exists()

    office = Client()
    office.force_login(world.province_officer)
    queue = office.get(reverse("institutions:registrations")).content.decode()
    assert "福州启航教育科技有限公司" in queue
    assert office.get(reverse("institutions:registration_licence", args=[registration.pk])).status_code == 200
    response = office.post(reverse("institutions:registration", args=[registration.pk]), {"decision": "approve"},
                           follow=True)
    assert "福州启航教育科技有限公司已注册" in response.content.decode()

    org = Organization.objects.get(code=CODE)
    user = authenticate(username="18600009921", password=PASSWORD)
    assert user is not None
    assert user.name == "林晓"
    assert RoleAssignment.objects.filter(user=user, role="institution", organization=org).exists()
    assert SmsOutbox.objects.filter(phone="18600009921", text__contains="机构账号已开通").exists()
    assert AuditLog.objects.filter(action="institutions.signup_approved", actor=world.province_officer).exists()
    again = office.post(reverse("institutions:registration", args=[registration.pk]), {"decision": "approve"})
    assert again.status_code == 400  # decided once


def test_bad_input_comes_back_with_each_fields_problem_and_what_was_typed(world):
    public = Client()
    response = post(public, credit_code="91350100MA31XYW120", phone="1390000", password2="other", licence=None)
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("credit_code", "phone", "password", "licence"):
        assert f'data-testid="error-{field}"' in html
    assert "统一社会信用代码应为 18 位且校验位正确" in html
    assert "has 18 characters" not in html
    assert "统一社会信用代码" in html
    assert 'value="福州启航教育科技有限公司"' in html
    assert PASSWORD not in html
    assert not InstitutionRegistration.objects.exists()


def test_a_second_registration_with_the_same_phone_waits_for_the_first(world):
    assert post(Client()).status_code == 302
    response = post(Client(), credit_code=code("91350100MA31XYW13"))
    assert response.status_code == 400
    assert InstitutionRegistration.objects.count() == 1


def test_one_network_may_send_only_a_few_registrations_an_hour(world, settings):
    settings.INSTITUTION_REGISTRATIONS_PER_HOUR = 1
    assert post(Client()).status_code == 302
    response = post(Client(), phone="18600009922", credit_code=code("91350100MA31XYW13"))
    assert response.status_code == 429
    assert InstitutionRegistration.objects.count() == 1


def test_a_rejection_needs_a_reason_and_tells_the_applicant_by_sms(world):
    post(Client())
    registration = InstitutionRegistration.objects.get()
    office = Client()
    office.force_login(world.province_officer)
    url = reverse("institutions:registration", args=[registration.pk])
    assert office.post(url, {"decision": "reject", "reason": " "}).status_code == 400
    response = office.post(url, {"decision": "reject", "reason": "营业执照已过期。"}, follow=True)
    assert "已驳回" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.password_hash == ""
    assert SmsOutbox.objects.filter(phone="18600009921", text__contains="营业执照已过期").exists()
    assert not User.objects.filter(phone="18600009921").exists()
    assert post(Client()).status_code == 302  # may register again


def test_offices_below_the_province_and_of_other_counties_get_404(world):
    post(Client())
    registration = InstitutionRegistration.objects.get()
    for user in (world.outsider, world.county_officer):
        client = Client()
        client.force_login(user)
        for name, args in (("registrations", []), ("registration", [registration.pk]),
                           ("registration_licence", [registration.pk])):
            assert client.get(reverse(f"institutions:{name}", args=args)).status_code == 404
        assert client.post(reverse("institutions:registration", args=[registration.pk]),
                           {"decision": "approve"}).status_code == 404
    assert InstitutionRegistration.objects.get().status == RegistrationStatus.PENDING
