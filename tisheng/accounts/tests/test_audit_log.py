import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment
from tisheng.accounts.services import audit
from tisheng.people.tests.factories import UserFactory


def test_the_database_refuses_to_change_or_delete_an_audit_entry(world):
    entry = audit(actor=world.county_officer, action=AuditAction.EXPORTED, obj=world.school_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(action=AuditAction.LOGIN)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog")
    assert AuditLog.objects.get(pk=entry.pk).action == AuditAction.EXPORTED


@pytest.fixture
def audit_admin(world):
    user = UserFactory(name="审计员", phone="13700000099")
    RoleAssignment.objects.create(user=user, role="audit_admin", region=world.province)
    return user


def test_the_audit_admin_reads_the_log_and_business_officers_cannot(client, world, audit_admin):
    audit(actor=world.county_officer, action=AuditAction.EXPORTED, obj=world.school_a, rows=12)
    client.force_login(audit_admin)
    page = client.get(reverse("accounts:audit_log")).content.decode()
    assert "鼓楼区工程办" in page
    client.force_login(world.county_officer)
    assert client.get(reverse("accounts:audit_log")).status_code == 404


def test_the_security_admin_sees_no_teachers(world):
    from tisheng.accounts.roles import Cap
    from tisheng.orgs.scope import scope_filter
    from tisheng.people.models import Teacher

    security = UserFactory(phone="13700000098")
    RoleAssignment.objects.create(user=security, role="security_admin", region=world.province)
    assert not scope_filter(Teacher.objects.all(), security, Cap.TEACHERS_VIEW).exists()
