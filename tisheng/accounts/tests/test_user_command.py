import io

import pytest
from django.core.management import CommandError, call_command

from tisheng.accounts.models import AuditAction, AuditLog, User


def run_user_add(monkeypatch, password: str, *args: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("user", "add", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_user_add_creates_a_county_officer_who_can_log_in(client, world, monkeypatch):
    out = run_user_add(monkeypatch, "Gulou@2026", "--phone", "13600000001", "--name", "李明",
                       "--role", "county_office", "--org", "350102")
    assert "county_office" in out
    user = User.objects.get(phone="13600000001")
    assert user.role_assignments.get().region == world.county_a
    assert client.post("/accounts/login/", {"username": "13600000001", "password": "Gulou@2026"}).status_code == 302
    assert AuditLog.objects.filter(action=AuditAction.ROLE_GRANTED, object_id=str(user.pk)).exists()


def test_user_add_refuses_a_simple_password_and_creates_nothing(world, monkeypatch):
    with pytest.raises(CommandError, match="密码长度至少 8 位"):
        run_user_add(monkeypatch, "12345678", "--phone", "13600000002", "--name", "李明",
                     "--role", "county_office", "--org", "350102")
    assert not User.objects.filter(phone="13600000002").exists()


def test_user_add_refuses_a_role_at_the_wrong_kind_of_node(world, monkeypatch):
    with pytest.raises(CommandError):
        run_user_add(monkeypatch, "Gulou@2026", "--phone", "13600000003", "--name", "李明",
                     "--role", "county_office", "--org", "3501020001")
    assert not User.objects.filter(phone="13600000003").exists()


def test_user_add_refuses_an_unknown_org_code(world, monkeypatch):
    with pytest.raises(CommandError, match="999999"):
        run_user_add(monkeypatch, "Gulou@2026", "--phone", "13600000004", "--name", "李明",
                     "--role", "county_office", "--org", "999999")
