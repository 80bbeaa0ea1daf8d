"""The security admin (安全管理员) manages accounts: find, create, grant and end roles, unlock,
deactivate and reactivate; each action audited and answered with a message."""

import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from tisheng.accounts import account_admin
from tisheng.accounts.models import AuditLog, LoginThrottle, RoleAssignment, User
from tisheng.people.tests.factories import UserFactory


@pytest.fixture
def security(world):
    user = UserFactory(name="安全员", phone="13700000098")
    RoleAssignment.objects.create(user=user, role="security_admin", region=world.province)
    return user


@pytest.fixture
def auditor(world):
    user = UserFactory(name="审计员", phone="13700000099")
    RoleAssignment.objects.create(user=user, role="audit_admin", region=world.province)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _lock(user: User) -> None:
    now = int(time.time())
    LoginThrottle.objects.create(key=f"account:{user.pk}", failures=0, window_start=now, locked_until=now + 900,
                                 expires=now + 900)


def test_the_security_admin_creates_a_school_account_with_a_one_time_password(client, world, security):
    client.force_login(security)
    response = client.post(reverse("accounts:account_create"), {
        "name": "鼓楼一小教务", "phone": "13911112222", "role": "school_admin", "node": world.school_a.code})
    assert response.status_code == 200
    user = User.objects.get(phone="13911112222")
    assert user.name == "鼓楼一小教务"
    assert user.must_change_password
    assert list(user.role_assignments.values_list("role", "school__code")) == [("school_admin", world.school_a.code)]
    page = response.content.decode()
    password = page.split('data-testid="one-time-password">')[1].split("<")[0]
    assert user.check_password(password)
    assert len(password) == 16
    assert response["Cache-Control"].startswith("max-age=0")
    assert any("鼓楼一小教务" in m for m in _messages(response))
    created = AuditLog.objects.get(action="user_created", object_id=str(user.pk))
    granted = AuditLog.objects.get(action="role_granted", object_id=str(user.pk))
    assert created.actor == security
    assert created.ip == "127.0.0.1"
    assert granted.detail == {"role": "school_admin", "node": world.school_a.code}
    assert granted.ip == "127.0.0.1"


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"phone": "1391111"}, "phone", account_admin.PHONE_INVALID),
    ({"phone": "13700000002"}, "phone", account_admin.PHONE_TAKEN),
    ({"name": ""}, "name", account_admin.NAME_REQUIRED),
    ({"role": "security_admin", "node": "35"}, "role", account_admin.ROLE_NOT_GRANTABLE),
    ({"role": "teacher"}, "role", account_admin.ROLE_NOT_GRANTABLE),
    ({"node": "9999"}, "node", account_admin.NODE_NOT_FOUND),
])
def test_a_bad_new_account_is_refused_next_to_its_field_and_the_form_keeps_what_was_typed(
        client, world, security, form, field, message):
    client.force_login(security)
    data = {"name": "新账号", "phone": "13911113333", "role": "school_admin", "node": world.school_a.code, **form}
    response = client.post(reverse("accounts:account_create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split(f'data-testid="error-{field}">')[1].split("</ul>")[0]
    assert escape(str(message))[:20] in errors
    assert f'value="{data["name"]}"' in page
    assert not User.objects.filter(phone="13911113333").exists()


def test_a_role_at_the_wrong_kind_of_unit_says_where_it_is_held(client, world, security):
    client.force_login(security)
    response = client.post(reverse("accounts:account_create"), {
        "name": "某人", "phone": "13911114444", "role": "county_office", "node": world.school_a.code})
    assert response.status_code == 400
    assert "data-testid=\"error-node\"" in response.content.decode()


def test_a_unit_can_be_given_by_its_exact_name(world, security):
    created = account_admin.account_create(actor=security, name="县办新人", phone="13911115555",
                                           role="county_office", node_text="鼓楼区")
    assert created.user.role_assignments.get().region == world.county_a


def test_the_security_admin_unlocks_a_locked_account_and_it_is_audited(client, world, security):
    teacher_user = world.teacher.user
    _lock(teacher_user)
    client.force_login(security)
    page = client.get(reverse("accounts:account_detail", args=[teacher_user.pk])).content.decode()
    assert 'data-testid="unlock"' in page
    response = client.post(reverse("accounts:account_unlock", args=[teacher_user.pk]))
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(key=f"account:{teacher_user.pk}").exists()
    assert any("已解锁" in m or "unlocked" in m for m in _messages(response))
    entry = AuditLog.objects.get(action=account_admin.ACCOUNT_UNLOCKED)
    assert entry.actor == security
    assert entry.object_id == str(teacher_user.pk)


def test_unlocking_an_account_that_is_not_locked_says_so(client, world, security):
    client.force_login(security)
    response = client.post(reverse("accounts:account_unlock", args=[world.county_officer.pk]), follow=True)
    assert str(account_admin.NOT_LOCKED) in response.content.decode()
    assert not AuditLog.objects.filter(action=account_admin.ACCOUNT_UNLOCKED).exists()


def test_the_security_admin_ends_a_role_and_the_person_loses_it_at_once(client, world, security):
    client.force_login(security)
    assignment = world.principal.role_assignments.get(role="school_admin")
    response = client.post(reverse("accounts:account_role_end", args=[world.principal.pk, assignment.pk]))
    assert response.status_code == 302
    assert not world.principal.role_assignments.filter(role="school_admin").exists()
    assert world.principal.role_assignments.filter(role="teacher").exists()  # the teacher role stays
    entry = AuditLog.objects.get(action="role_revoked")
    assert entry.actor == security
    assert entry.detail == {"role": "school_admin", "node": world.school_a.code}
    assert any("已结束" in m or "ended" in m for m in _messages(response))


def test_a_teachers_role_is_not_ended_from_this_page(client, world, security):
    client.force_login(security)
    assignment = world.teacher.user.role_assignments.get(role="teacher")
    client.post(reverse("accounts:account_role_end", args=[world.teacher.user.pk, assignment.pk]))
    assert world.teacher.user.role_assignments.filter(role="teacher").exists()


def test_the_security_admin_grants_a_role_and_a_duplicate_is_refused(client, world, security):
    client.force_login(security)
    url = reverse("accounts:account_role_grant", args=[world.county_officer.pk])
    response = client.post(url, {"role": "school_assessor", "node": world.school_a2.code})
    assert response.status_code == 302
    assert world.county_officer.role_assignments.filter(role="school_assessor", school=world.school_a2).exists()
    again = client.post(url, {"role": "school_assessor", "node": world.school_a2.code})
    assert again.status_code == 400
    assert str(account_admin.ROLE_HELD) in again.content.decode()


def test_deactivating_logs_the_person_out_and_reactivating_lets_them_back(client, world, security):
    officer = world.county_officer
    other = type(client)()
    other.force_login(officer)
    assert other.get(reverse("home")).status_code == 200
    client.force_login(security)
    response = client.post(reverse("accounts:account_deactivate", args=[officer.pk]))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert other.get(reverse("home")).status_code == 302  # their session is over
    client.post(reverse("accounts:account_reactivate", args=[officer.pk]))
    officer.refresh_from_db()
    assert officer.is_active
    assert list(AuditLog.objects.filter(object_id=str(officer.pk), action__startswith="account_")
                .order_by("id").values_list("action", flat=True)) == ["account_deactivated", "account_reactivated"]


def test_nobody_changes_their_own_account_or_grants_themselves_a_role(client, world, security):
    client.force_login(security)
    response = client.post(reverse("accounts:account_role_grant", args=[security.pk]),
                           {"role": "province_office", "node": "35"})
    assert response.status_code == 400
    assert not security.role_assignments.filter(role="province_office").exists()
    client.post(reverse("accounts:account_deactivate", args=[security.pk]))
    security.refresh_from_db()
    assert security.is_active


def test_the_audit_admins_account_is_out_of_the_security_admins_reach(client, world, security, auditor):
    _lock(auditor)
    client.force_login(security)
    page = client.get(reverse("accounts:account_detail", args=[auditor.pk])).content.decode()
    assert 'data-testid="not-manageable"' in page
    assert 'data-testid="deactivate"' not in page
    client.post(reverse("accounts:account_deactivate", args=[auditor.pk]))
    client.post(reverse("accounts:account_unlock", args=[auditor.pk]))
    auditor.refresh_from_db()
    assert auditor.is_active
    assert LoginThrottle.objects.filter(key=f"account:{auditor.pk}").exists()


def test_the_list_finds_accounts_by_name_phone_role_and_unit_without_training_data(client, world, security):
    client.force_login(security)
    url = reverse("accounts:account_list")
    page = client.get(url, {"q": "鼓楼区工程办"}).content.decode()
    assert "鼓楼区工程办" in page
    assert "思明区工程办" not in page
    page = client.get(url, {"q": "137000000"}).content.decode()
    assert "鼓楼区工程办" in page
    assert "思明区工程办" in page
    page = client.get(url, {"role": "school_admin"}).content.decode()
    assert world.principal.name in page
    assert "鼓楼区工程办" not in page
    page = client.get(url, {"node": "350203"}).content.decode()
    assert "思明区工程办" in page
    assert "鼓楼区工程办" not in page
    for training_word in ("学时", "成绩", "佐证"):
        assert training_word not in page


def test_the_list_shows_locked_accounts_on_request(client, world, security):
    _lock(world.county_officer)
    client.force_login(security)
    page = client.get(reverse("accounts:account_list"), {"status": "locked"}).content.decode()
    assert "鼓楼区工程办" in page
    assert "思明区工程办" not in page


def test_the_list_costs_the_same_queries_for_a_page_of_many_accounts(client, world, security,
                                                                     django_assert_max_num_queries):
    client.force_login(security)
    client.get(reverse("accounts:account_list"))
    for i in range(30):
        user = UserFactory(phone=f"1390000{i:04d}")
        RoleAssignment.objects.create(user=user, role="school_assessor", school=world.school_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:account_list"))
    assert response.content.decode().count('href="/accounts/admin/') >= 30


@pytest.fixture
def city_security(world):
    """A security admin of 福州市 only (the page is designed for it; the seed has none)."""
    user = UserFactory(name="福州安全员", phone="13700000097")
    RoleAssignment.objects.create(user=user, role="security_admin", region=world.city_a)
    return user


def test_a_city_security_admin_sees_and_manages_only_the_accounts_of_the_city(client, world, city_security):
    client.force_login(city_security)
    page = client.get(reverse("accounts:account_list")).content.decode().split('data-testid="account-table"')[1]
    assert "鼓楼区工程办" in page
    assert "思明区工程办" not in page
    assert "省工程办" not in page
    assert client.get(reverse("accounts:account_detail", args=[world.outsider.pk])).status_code == 404
    assert client.post(reverse("accounts:account_deactivate", args=[world.outsider.pk])).status_code == 404
    # A role above their own (at the province) or in another city is refused.
    response = client.post(reverse("accounts:account_role_grant", args=[world.county_officer.pk]),
                           {"role": "province_office", "node": "35"})
    assert response.status_code == 400
    response = client.post(reverse("accounts:account_role_grant", args=[world.county_officer.pk]),
                           {"role": "school_admin", "node": world.school_b.code})
    assert response.status_code == 400
    assert list(world.county_officer.role_assignments.values_list("role", flat=True)) == ["county_office"]


def test_an_account_that_also_holds_a_role_elsewhere_is_left_to_the_level_above(client, world, city_security):
    RoleAssignment.objects.create(user=world.county_officer, role="school_assessor", school=world.school_b)
    client.force_login(city_security)
    page = client.get(reverse("accounts:account_detail", args=[world.county_officer.pk])).content.decode()
    assert str(account_admin.OUTSIDE_SCOPE)[:10] in page or 'data-testid="not-manageable"' in page
    client.post(reverse("accounts:account_deactivate", args=[world.county_officer.pk]))
    world.county_officer.refresh_from_db()
    assert world.county_officer.is_active


@pytest.mark.parametrize("name", ["account_list", "account_create"])
def test_the_outsider_and_the_audit_admin_get_404_for_the_account_pages(client, world, auditor, name):
    for user in (world.outsider, auditor, world.province_officer):
        client.force_login(user)
        assert client.get(reverse(f"accounts:{name}")).status_code == 404


def test_a_post_to_account_management_as_the_audit_admin_is_refused(client, world, auditor):
    _lock(world.county_officer)
    client.force_login(auditor)
    pk = world.county_officer.pk
    assignment = world.county_officer.role_assignments.get()
    for url, data in [
        (reverse("accounts:account_create"), {"name": "x", "phone": "13911116666", "role": "school_admin",
                                              "node": world.school_a.code}),
        (reverse("accounts:account_role_grant", args=[pk]), {"role": "school_admin", "node": world.school_a.code}),
        (reverse("accounts:account_role_end", args=[pk, assignment.pk]), {}),
        (reverse("accounts:account_unlock", args=[pk]), {}),
        (reverse("accounts:account_deactivate", args=[pk]), {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    world.county_officer.refresh_from_db()
    assert world.county_officer.is_active
    assert world.county_officer.role_assignments.count() == 1
    assert LoginThrottle.objects.filter(key=f"account:{pk}").exists()
    assert not User.objects.filter(phone="13911116666").exists()


def test_the_demo_security_admin_creates_an_assessor_account_through_the_page_services(world):
    security = UserFactory(name="安全管理员", phone="13800000010")
    RoleAssignment.objects.create(user=security, role="security_admin", region=world.province)
    assert account_admin.account_admin_seed_demo(world.school_a.code) == "鼓楼第一中心小学教研员"
    user = User.objects.get(phone=account_admin.DEMO_NEW_ACCOUNT_PHONE)
    assert list(user.role_assignments.values_list("role", "school")) == [("school_assessor", world.school_a.pk)]
    assert AuditLog.objects.filter(actor=security, action="user_created", object_id=str(user.pk)).exists()
    assert account_admin.account_admin_seed_demo(world.school_a.code) == "-"  # a second seed run adds nothing


def test_the_security_admin_resets_an_office_password_and_it_must_be_changed(client, world, security):
    officer = world.county_officer
    _lock(officer)
    other = type(client)()
    other.force_login(officer)
    client.force_login(security)
    response = client.post(reverse("accounts:account_password_reset", args=[officer.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    password = response.content.decode().split('data-testid="one-time-password">')[1].split("<")[0]
    officer.refresh_from_db()
    assert officer.check_password(password)
    assert officer.must_change_password
    assert not LoginThrottle.objects.filter(key=f"account:{officer.pk}").exists()
    assert other.get(reverse("home")).status_code == 302  # their session is over
    entry = AuditLog.objects.get(action=account_admin.PASSWORD_RESET_BY_SECURITY)
    assert entry.actor == security
    assert entry.object_id == str(officer.pk)


def test_a_teachers_password_is_left_to_their_school(client, world, security):
    client.force_login(security)
    before = world.teacher.user.password
    response = client.post(reverse("accounts:account_password_reset", args=[world.teacher.user.pk]), follow=True)
    assert escape(str(account_admin.TEACHER_PASSWORD_BY_SCHOOL)) in response.content.decode()
    world.teacher.user.refresh_from_db()
    assert world.teacher.user.password == before
