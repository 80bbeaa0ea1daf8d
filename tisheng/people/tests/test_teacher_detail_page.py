import datetime as dt

from django.urls import reverse
from django.utils import translation

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment
from tisheng.people.models import TeacherPosting
from tisheng.people.tests.factories import TeacherFactory
from tisheng.people.views.teachers import FULL_ID_NOT_ALLOWED


def detail(teacher):
    return reverse("people:teacher_detail", args=[teacher.pk])


def test_county_officer_sees_a_teacher_with_masked_id_and_posting_history(client, world):
    TeacherPosting.objects.filter(teacher=world.teacher).update(
        started=dt.datetime(2018, 9, 1, tzinfo=dt.UTC), ended=dt.datetime(2026, 11, 24, 8, tzinfo=dt.UTC))
    client.force_login(world.county_officer)
    response = client.get(detail(world.teacher))
    assert response.status_code == 200
    assert world.teacher.national_id_masked in response.text
    assert world.teacher.national_id not in response.text
    assert "福州市鼓楼第一中心小学" in response.text
    assert "2018年9月1日" in response.text
    assert "2026年11月24日" in response.text
    assert "显示完整身份证号" in response.text


def test_revealing_the_full_id_shows_it_once_and_writes_the_audit_log(client, world):
    client.force_login(world.county_officer)
    response = client.post(detail(world.teacher), {"reveal": "1"})
    assert response.status_code == 200
    assert world.teacher.national_id in response.text
    entry = AuditLog.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert (entry.actor, entry.object_type, entry.object_id) == (world.county_officer, "teacher", str(world.teacher.pk))
    assert entry.scope_path == world.school_a.path
    assert world.teacher.national_id not in client.get(detail(world.teacher)).text


def test_a_role_without_the_id_capability_gets_no_button_and_403_on_post(client, world):
    evaluator = world.outsider
    RoleAssignment.objects.create(user=evaluator, role="evaluator", region=world.county_a)
    client.force_login(evaluator)
    response = client.get(detail(world.teacher))
    assert response.status_code == 200
    assert "显示完整身份证号" not in response.text
    refused = client.post(detail(world.teacher), {"reveal": "1"})
    assert refused.status_code == 403
    assert not AuditLog.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()
    with translation.override("zh-hans"):
        assert str(FULL_ID_NOT_ALLOWED) in refused.text


def test_outsider_gets_404_for_a_teacher_of_another_county(client, world):
    client.force_login(world.outsider)
    assert client.get(detail(world.teacher)).status_code == 404
    assert client.post(detail(world.teacher), {"reveal": "1"}).status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()


def test_a_teacher_sees_their_own_record_and_a_my_record_link_but_no_teachers_item(client, world):
    client.force_login(world.teacher.user)
    home = client.get(reverse("home"))
    labels = [str(i["label"]) for i in home.context["nav_items"]]
    assert "我的信息" in labels
    assert "教师" not in labels
    assert client.get(detail(world.teacher)).status_code == 200
    assert client.get(detail(world.teachers_a[2])).status_code == 404


def test_detail_query_count_does_not_grow_with_postings(client, world, django_assert_num_queries):
    teacher = TeacherFactory(school=world.school_a)
    for school in (world.school_a2, world.school_a):
        TeacherPosting.objects.create(teacher=teacher, school=school, source="manual")
    client.force_login(world.county_officer)
    client.get(detail(teacher))
    # session, user, grants, teacher, id-capability check, postings, role labels, the unread badge
    with django_assert_num_queries(7):
        client.get(detail(teacher))
    for _ in range(5):
        TeacherPosting.objects.create(teacher=teacher, school=world.school_a2, source="manual")
    with django_assert_num_queries(7):
        client.get(detail(teacher))
