"""A school administrator resets a teacher's password to a temporary one, which the teacher must
change at the next login; only teachers of their own school, only teacher-only accounts."""

import django.db
import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment, User
from tisheng.notifications.sms import LoggingSmsBackend
from tisheng.people.tests.factories import TeacherFactory

LOGIN = reverse("accounts:login")
LIST = reverse("passwords:school_teachers")


def reset_url(teacher) -> str:
    return reverse("passwords:teacher_reset", args=[teacher.pk])


@pytest.fixture(autouse=True)
def outbox():
    LoggingSmsBackend.sent.clear()
    yield LoggingSmsBackend.sent
    LoggingSmsBackend.sent.clear()


@pytest.fixture
def principal(world) -> Client:
    client = Client()
    client.force_login(world.principal)
    return client


def reset(client, teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reset_url(teacher))


def test_the_principal_resets_a_teachers_password_and_sees_the_temporary_one_once(
        principal, world, password, outbox, django_capture_on_commit_callbacks):
    teacher = world.teachers_a[2]
    confirm_page = principal.get(reset_url(teacher))
    assert teacher.name in confirm_page.text

    response = reset(principal, teacher, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    temporary = response.context["issued"].password
    assert temporary in response.text
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    user = User.objects.get(pk=teacher.user_id)
    assert user.must_change_password
    assert user.check_password(temporary)
    assert not user.check_password(password)
    assert [(to, temporary in text) for to, text in outbox] == [(teacher.user.phone, True)]
    entry = AuditLog.objects.get(action=AuditAction.PASSWORD_RESET_BY_ADMIN)
    assert (entry.actor, entry.object_id, entry.scope_path) == (world.principal, str(user.pk), world.school_a.path)
    assert temporary not in str(entry.detail)
    assert temporary not in principal.get(LIST).text


def test_the_teacher_logs_in_with_the_temporary_password_and_must_change_it_first(
        principal, world, django_capture_on_commit_callbacks):
    teacher = world.teachers_a[2]
    temporary = reset(principal, teacher, django_capture_on_commit_callbacks).context["issued"].password
    client = Client()

    assert client.post(LOGIN, {"username": teacher.user.phone, "password": temporary}).status_code == 302
    assert client.get("/").url.startswith(reverse("passwords:change"))
    client.post(reverse("passwords:change"), {"old_password": temporary, "new_password1": "Mine@Pass2027",
                                              "new_password2": "Mine@Pass2027"})
    assert client.get("/").status_code == 200


def test_a_reset_ends_the_teachers_sessions(principal, world, password, django_capture_on_commit_callbacks):
    teacher = world.teachers_a[2]
    session = Client()
    session.post(LOGIN, {"username": teacher.user.phone, "password": password})
    assert session.get("/").status_code == 200
    reset(principal, teacher, django_capture_on_commit_callbacks)
    assert session.get("/").status_code == 302


def test_a_teacher_without_a_phone_gets_the_password_in_person(principal, world, django_capture_on_commit_callbacks,
                                                                outbox):
    teacher = TeacherFactory(school=world.school_a, name="无手机", user__phone=None, phone="")
    response = reset(principal, teacher, django_capture_on_commit_callbacks)
    assert not response.context["issued"].sms_sent
    assert not outbox


def test_a_teacher_of_another_school_of_the_same_county_is_not_found(principal, world):
    assert principal.get(reset_url(world.teacher_a2)).status_code == 404
    assert principal.post(reset_url(world.teacher_a2)).status_code == 404


def test_the_outsider_gets_404_for_the_list_and_the_reset(world):
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(LIST).status_code == 404
    assert outsider.post(reset_url(world.teacher)).status_code == 404
    assert outsider.post(reset_url(world.teacher_b)).status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET_BY_ADMIN).exists()


@pytest.mark.parametrize("who", ["county_officer", "teacher"])
def test_offices_and_teachers_cannot_reset_a_teachers_password(world, who):
    client = Client()
    client.force_login(world.county_officer if who == "county_officer" else world.teachers_a[2].user)
    assert client.get(LIST).status_code == 404
    assert client.post(reset_url(world.teacher)).status_code == 404


def test_an_account_that_holds_more_than_the_teacher_role_is_not_reset_here(principal, world, password):
    colleague = world.teachers_a[2]
    RoleAssignment.objects.create(user=colleague.user, role="school_assessor", school=world.school_a)
    response = principal.post(reset_url(colleague), follow=True)
    assert "security administrator" in response.text or "安全管理员" in response.text
    assert User.objects.get(pk=colleague.user_id).check_password(password)
    # The principal's own teacher record is such an account too (they change their own password).
    assert principal.post(reset_url(world.teachers_a[1]), follow=True).redirect_chain[-1][0] == LIST
    assert User.objects.get(pk=world.principal.pk).check_password(password)


def test_the_list_shows_each_teachers_login_state(principal, world):
    never = world.teachers_a[2].user
    never.set_unusable_password()
    never.save()
    temporary = world.teacher.user
    temporary.must_change_password = True
    temporary.save()

    response = principal.get(LIST)

    rows = {t.name: t for t in response.context["page"]}
    assert set(rows) == {t.name for t in world.teachers_a}
    assert ("No password yet" in response.text or "尚未设置密码" in response.text)
    assert principal.get(LIST, {"q": world.teacher.name}).context["page"].paginator.count == 1


def test_the_list_takes_the_same_number_of_queries_for_more_teachers(principal, world):
    principal.get(LIST)
    with CaptureQueriesContext(django.db.connection) as few:
        principal.get(LIST)
    TeacherFactory.create_batch(12, school=world.school_a)
    with CaptureQueriesContext(django.db.connection) as many:
        principal.get(LIST)
    assert len(many) == len(few)
