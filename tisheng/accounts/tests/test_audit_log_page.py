"""The audit admin (审计管理员) reads the log in plain words: who (name and role), what (the
action's label), to whom or what (a name), when, from where; filters, pages and exports it."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tisheng.accounts import audit_display
from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment
from tisheng.accounts.services import audit, role_assign
from tisheng.people.tests.factories import UserFactory


@pytest.fixture
def auditor(world):
    user = UserFactory(name="审计员", phone="13700000099")
    RoleAssignment.objects.create(user=user, role="audit_admin", region=world.province)
    return user


def _table(response) -> str:
    html = response.content.decode()
    body = html.split('data-testid="audit-table"')[1].split("</table>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_a_role_grant_reads_as_who_did_what_to_whom_from_where(client, world, auditor):
    role_assign(actor=world.province_officer, user=world.teachers_a[2].user, role="school_assessor",
                node=world.school_a, ip="10.1.2.3")
    client.force_login(auditor)
    text = _table(client.get(reverse("accounts:audit_log")))
    assert "省工程办" in text  # who
    assert str(audit_display.ACTION_LABELS["role_granted"]) in text  # what
    assert world.teachers_a[2].name in text  # whom, by name
    assert "10.1.2.3" in text  # from where
    assert world.school_a.name in text  # the unit, by name
    assert "school_assessor" not in text
    assert "role_granted" not in text
    assert "{" not in text


def test_objects_and_details_are_named_not_numbered(client, world, auditor, program_2):
    from tisheng.programs.models import Enrollment

    enrollment = Enrollment.objects.create(program=program_2, teacher=world.teacher, school=world.school_a,
                                           org_path=world.teacher.org_path)
    audit(actor=world.county_officer, action=AuditAction.REVIEW_RETURNED, obj=enrollment, level="county",
          reason="学时证明缺少盖章", program=program_2.code, teacher=world.teacher.pk)
    audit(actor=world.county_officer, action=AuditAction.EXPORTED, object_type="export", object_id="roster",
          scope_path=world.county_a.path, table="roster", filters={"node": "350102"}, rows=12)
    audit(actor=None, action=AuditAction.LOGIN_FAILED, object_type="login", object_id="name:abc", ip="10.9.9.9",
          via="login_page", login="139…01", failures=2)
    client.force_login(auditor)
    text = _table(client.get(reverse("accounts:audit_log")))
    assert f"{world.teacher.name} · 提升工程2.0" in text
    assert "学时证明缺少盖章" in text
    assert "提升工程2.0" in text
    assert "tisheng-2" not in text
    assert "139…01" in text
    assert "login_page" not in text
    assert "roster" not in text
    assert str(audit_display.ACTION_LABELS["exported"]) in text


def test_the_page_costs_the_same_queries_however_many_kinds_of_rows_it_shows(
        client, world, auditor, program_2, django_assert_max_num_queries):
    client.force_login(auditor)
    for t in world.teachers_a:
        audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=t, fields=["name"])
    client.get(reverse("accounts:audit_log"))
    for i in range(40):
        teacher = world.teachers_a[i % 3]
        audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=teacher, fields=["subject"])
        role_assign(actor=world.province_officer, user=UserFactory(phone=f"1380000{i:04d}"), role="school_assessor",
                    node=world.school_a)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("accounts:audit_log"))
    assert response.content.decode().count("<tr>") >= 50


def test_the_filters_narrow_by_time_action_actor_and_object(client, world, auditor):
    audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=world.teachers_a[0])
    audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=world.teachers_a[1])
    audit(actor=world.outsider, action=AuditAction.TEACHER_CHANGED, obj=world.teacher_b)
    audit(actor=world.province_officer, action=AuditAction.EXPORTED, object_type="export", object_id="teachers",
          table="teachers")
    client.force_login(auditor)
    url = reverse("accounts:audit_log")
    text = _table(client.get(url, {"action": "teacher_changed"}))
    assert "林晓燕" in text
    assert "王建国" in text
    assert "导出" not in text
    text = _table(client.get(url, {"actor": "思明区"}))
    assert "王建国" in text
    assert "林晓燕" not in text
    text = _table(client.get(url, {"actor": "13700000003"}))
    assert "王建国" in text
    assert "陈志强" not in text
    text = _table(client.get(url, {"target": "陈志强"}))
    assert "陈志强" in text
    assert "林晓燕" not in text
    today = timezone.localdate()
    assert "王建国" in _table(client.get(url, {"since": today.isoformat(), "until": today.isoformat()}))
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert "王建国" not in _table(client.get(url, {"since": tomorrow}))


def test_a_bad_date_or_address_is_refused_with_a_message_and_the_rest_kept(client, world, auditor):
    client.force_login(auditor)
    response = client.get(reverse("accounts:audit_log"), {"since": "2026-13-40", "actor": "思明区", "ip": "10.1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="errors"' in page
    assert 'value="思明区"' in page


def test_the_log_pages_by_fifty(client, world, auditor):
    for _i in range(55):
        audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=world.teacher)
    client.force_login(auditor)
    first = client.get(reverse("accounts:audit_log"), {"action": "teacher_changed"}).content.decode()
    assert first.count("<tr>") == 51  # header + 50
    second = client.get(reverse("accounts:audit_log"), {"action": "teacher_changed", "page": 2}).content.decode()
    assert second.count("<tr>") == 6


def test_the_export_is_the_filtered_log_in_words_and_is_itself_audited(client, world, auditor):
    role_assign(actor=world.province_officer, user=world.teachers_a[2].user, role="school_assessor",
                node=world.school_a, ip="10.1.2.3")
    audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=world.teacher)
    client.force_login(auditor)
    response = client.get(reverse("accounts:audit_export"), {"action": "role_granted"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one grant
    assert rows[1][1] == "省工程办"
    assert rows[1][4].startswith(world.teachers_a[2].name)
    assert rows[1][5] == "10.1.2.3"
    assert "school_assessor" not in " ".join(str(c) for c in rows[1])
    entry = AuditLog.objects.get(action="exported", actor=auditor)
    assert entry.detail["rows"] == 1
    assert entry.detail["filters"] == {"action": "role_granted"}
    assert entry.detail["kind"] == "audit_log"


def test_an_export_too_large_says_to_narrow_it(client, world, auditor, monkeypatch):
    from tisheng.accounts import views_admin

    monkeypatch.setattr(views_admin, "EXPORT_LIMIT", 2)
    for _i in range(3):
        audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=world.teacher)
    client.force_login(auditor)
    response = client.get(reverse("accounts:audit_export"), follow=True)
    assert 'data-testid="audit-table"' in response.content.decode()
    assert any("20" in str(m) or "2" in str(m) for m in response.context["messages"])
    assert not AuditLog.objects.filter(action="exported", actor=auditor).exists()


@pytest.mark.parametrize("name", ["accounts:audit_log", "accounts:audit_export"])
def test_the_outsider_the_security_admin_and_offices_get_404_for_the_audit_log(client, world, name):
    security = UserFactory(phone="13700000098")
    RoleAssignment.objects.create(user=security, role="security_admin", region=world.province)
    for user in (world.outsider, security, world.province_officer):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 404


# `audit(` … `action="code"` or `action=CONSTANT`, within the call's own parentheses.
ACTION_CALL = re.compile(r"""\baudit\((?:[^()]|\([^()]*\))*?\baction=(?:f?"([a-z_.{}]+)"|([A-Z_]{3,})\b)""")
CONSTANT = r"""^{name}\s*=\s*"([a-z_.]+)"\s*$"""


def _action_codes_in_source() -> set[str]:
    """Every action code an `audit(...)` call in the code base writes: literal strings, module
    constants and AuditAction members (f-strings are expanded by hand below)."""
    root = Path(__file__).resolve().parents[2]
    codes: set[str] = set(AuditAction.values)
    for path in root.rglob("*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        text = path.read_text(encoding="utf-8")
        for literal, constant in ACTION_CALL.findall(text):
            if literal:
                codes.add(literal)
            elif constant:
                found = re.search(CONSTANT.format(name=constant), text, re.MULTILINE)
                if found:
                    codes.add(found.group(1))
    expanded = set()
    for code in codes:
        if code == "practice.review_{stage}":
            expanded |= {"practice.review_self", "practice.review_peer", "practice.review_team"}
        elif "{" not in code:
            expanded.add(code)
    return expanded


def test_every_action_the_code_writes_has_a_label_in_words():
    missing = sorted(_action_codes_in_source() - audit_display.ACTION_LABELS.keys())
    assert missing == []


def test_a_log_larger_than_the_count_limit_says_more_than_and_pages_up_to_it(client, world, auditor, monkeypatch):
    from tisheng.accounts import views_admin

    monkeypatch.setattr(views_admin, "COUNT_LIMIT", 60)
    for _i in range(70):
        audit(actor=world.county_officer, action=AuditAction.TEACHER_CHANGED, obj=world.teacher)
    client.force_login(auditor)
    page = client.get(reverse("accounts:audit_log"), {"action": "teacher_changed"}).content.decode()
    assert "超过 60 条记录" in page or "More than 60 entries" in page
    second = client.get(reverse("accounts:audit_log"), {"action": "teacher_changed", "page": 2}).content.decode()
    assert second.count("<tr>") == 12  # header + entries 51 to 61: beyond the limit, narrow the filters


def test_a_failed_login_is_shown_as_a_visitors_attempt_on_the_account(client, world, auditor):
    audit(actor=world.county_officer, action=AuditAction.LOGIN_FAILED, object_type="user",
          object_id=str(world.county_officer.pk), ip="10.7.7.7", via="login_page", failures=1)
    client.force_login(auditor)
    response = client.get(reverse("accounts:audit_log"), {"action": "login_failed"})
    text = _table(response)
    assert "鼓楼区工程办" in text  # the account tried
    assert "访客" in text or "visitor" in text  # not its holder: whoever typed was not logged in


def test_an_evidence_zip_and_a_wrong_password_on_the_change_page_read_as_words():
    from django.utils import translation

    from tisheng.accounts.audit_display import VIA, _export_title

    with translation.override("zh-hans"):
        assert "实践成果" in _export_title("practice_evidence")
        assert str(VIA["password_change"]) == "修改密码页面"
