"""Third-party evaluators: an office grants a user read-only access to a subtree until a date;
the evaluator sees the dashboards and exports there, every page they open is audited, and the
access ends by itself (or when revoked)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tisheng.accounts import evaluators
from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.monitoring.services.rollups import rollups_refresh
from tisheng.monitoring.tests.test_exports import make_progress
from tisheng.people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress(world, program_1):
    program = make_progress(world, program_1)
    rollups_refresh(program)
    return program


@pytest.fixture
def evaluator_user(db):
    """An account made for the evaluation, of an evaluator organisation (see accounts.evaluators)."""
    from tisheng.accounts.models import EvaluatorOrganization

    org = EvaluatorOrganization.objects.create(name="福建省教育评估研究院")
    return UserFactory(name="第三方评估员", phone="13800000009", evaluator_organization=org)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grant(client: Client, **data):
    return client.post("/monitoring/evaluators/", data)


def until(days: int) -> str:
    return (evaluators.today() + dt.timedelta(days=days)).isoformat()


def test_a_county_office_grants_an_evaluator_who_then_sees_and_exports_the_county(world, progress, evaluator_user):
    office = login(world.county_officer)
    response = grant(office, phone=evaluator_user.phone, node=world.county_a.code, until=until(30))
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=evaluator_user, role="evaluator")
    assert assignment.region == world.county_a
    assert assignment.granted_by == world.county_officer
    assert assignment.expires_at == evaluators.end_of_day(evaluators.today() + dt.timedelta(days=30))
    assert AuditLog.objects.filter(action="role_granted", object_id=str(evaluator_user.pk),
                                   scope_path=world.county_a.path).exists()
    assert evaluator_user.name in office.get("/monitoring/evaluators/").content.decode()

    evaluator = login(evaluator_user)
    board = evaluator.get(f"/monitoring/?program={progress.pk}")
    assert board.status_code == 200
    assert world.school_a.name in board.content.decode()
    export = evaluator.get("/monitoring/export/teachers.xlsx", {"program": progress.pk})
    assert export.status_code == 200
    assert export["X-Export-Rows"] == "4"
    assert evaluator.get(f"/monitoring/?program={progress.pk}&node={world.county_b.path}").status_code == 404


def test_every_monitoring_page_an_evaluator_opens_is_audited(world, progress, evaluator_user):
    RoleAssignment.objects.create(user=evaluator_user, role="evaluator", region=world.county_a,
                                  expires_at=timezone.now() + dt.timedelta(days=1))
    evaluator = login(evaluator_user)
    evaluator.get(f"/monitoring/?program={progress.pk}&node={world.school_a.path}")
    evaluator.get("/monitoring/export/subunits.xlsx", {"program": progress.pk})
    evaluator.get("/monitoring/warning/", {"program": progress.pk})
    viewed = list(AuditLog.objects.filter(action="evaluator_viewed", actor=evaluator_user).order_by("id"))
    assert [v.object_id for v in viewed] == ["/monitoring/", "/monitoring/export/subunits.xlsx", "/monitoring/warning/"]
    assert viewed[0].scope_path == world.school_a.path
    assert viewed[0].detail["status"] == 200
    # An office's own visits are not logged as an evaluator's.
    login(world.county_officer).get(f"/monitoring/?program={progress.pk}")
    assert AuditLog.objects.filter(action="evaluator_viewed").count() == 3


def test_an_expired_evaluator_sees_404(world, progress, evaluator_user):
    RoleAssignment.objects.create(user=evaluator_user, role="evaluator", region=world.county_a,
                                  expires_at=timezone.now() - dt.timedelta(minutes=1))
    evaluator = login(evaluator_user)
    assert evaluator.get(f"/monitoring/?program={progress.pk}").status_code == 404
    assert evaluator.get(f"/monitoring/?program={progress.pk}&node={world.county_a.path}").status_code == 404
    assert evaluator.get("/monitoring/export/teachers.xlsx", {"program": progress.pk}).status_code == 404
    assert world.county_a.name not in evaluator.get("/orgs/tree/").content.decode()


def test_a_revoked_evaluator_loses_access_and_the_revocation_is_audited(world, progress, evaluator_user):
    assignment = evaluators.evaluator_grant(actor=world.county_officer, phone=evaluator_user.phone,
                                            node_code=world.school_a.code, until=evaluators.today())
    evaluator = login(evaluator_user)
    assert evaluator.get(f"/monitoring/?program={progress.pk}").status_code == 200
    response = login(world.county_officer).post(f"/monitoring/evaluators/{assignment.pk}/revoke")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditLog.objects.filter(action="role_revoked", actor=world.county_officer,
                                   scope_path=world.school_a.path).exists()
    assert evaluator.get(f"/monitoring/?program={progress.pk}").status_code == 404


def test_granting_again_extends_the_end_date(world, evaluator_user):
    evaluators.evaluator_grant(actor=world.province_officer, phone=evaluator_user.phone, node_code="35",
                               until=evaluators.today())
    evaluators.evaluator_grant(actor=world.province_officer, phone=evaluator_user.phone, node_code="35",
                               until=evaluators.today() + dt.timedelta(days=10))
    assignment = RoleAssignment.objects.get(user=evaluator_user, role="evaluator")
    assert assignment.expires_at == evaluators.end_of_day(evaluators.today() + dt.timedelta(days=10))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "13999999999", evaluators.NO_SUCH_USER),
    ("node", "350203", evaluators.NO_SUCH_NODE),  # county B: outside the county officer's scope
    ("node", "3502030001", evaluators.NO_SUCH_NODE),  # a school of county B
    ("until", "2001-01-01", evaluators.END_DATE_IN_PAST),
])
def test_a_grant_outside_the_rules_is_refused_with_a_reason(world, evaluator_user, field, value, message):
    data = {"phone": evaluator_user.phone, "node": world.county_a.code, "until": until(30), field: value}
    response = grant(login(world.county_officer), **data)
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    assert not RoleAssignment.objects.filter(user=evaluator_user).exists()


def test_a_grant_lasts_at_most_a_year(world, evaluator_user):
    response = grant(login(world.county_officer), phone=evaluator_user.phone, node=world.county_a.code,
                     until=until(400))
    assert str(evaluators.END_DATE_TOO_FAR) in response.content.decode()


def test_the_outsider_neither_sees_nor_revokes_county_a_grants(world, evaluator_user):
    assignment = evaluators.evaluator_grant(actor=world.county_officer, phone=evaluator_user.phone,
                                            node_code=world.county_a.code, until=evaluators.today())
    outsider = login(world.outsider)
    assert evaluator_user.name not in outsider.get("/monitoring/evaluators/").content.decode()
    assert outsider.post(f"/monitoring/evaluators/{assignment.pk}/revoke").status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_evaluators_principals_and_teachers_cannot_grant(world, evaluator_user):
    RoleAssignment.objects.create(user=evaluator_user, role="evaluator", region=world.province)
    for user in (evaluator_user, world.principal, world.teacher.user):
        client = login(user)
        assert client.get("/monitoring/evaluators/").status_code == 404
        assert grant(client, phone=world.outsider.phone, node="35", until=until(3)).status_code == 404
