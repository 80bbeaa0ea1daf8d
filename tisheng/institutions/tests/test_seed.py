from tisheng.accounts.models import RoleAssignment
from tisheng.institutions.models import (
    ApplicationStatus,
    InstitutionRegistration,
    RegistrationStatus,
    SelectionRound,
)
from tisheng.institutions.seed import institutions_seed_demo
from tisheng.learning.models import Contract
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.panels.models import ConflictDeclaration
from tisheng.people.tests.factories import UserFactory


def test_the_demo_has_a_published_round_of_six_and_a_round_waiting_for_the_expert(world, program_1, program_2,
                                                                                  settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    office = UserFactory(phone="13800000001", name="省工程办管理员")
    RoleAssignment.objects.create(user=office, role="province_office", region=world.province)
    for n in range(4):
        OrganizationFactory(code=f"INST-T{n}", name=f"培训机构{n}", kind="institution", region=world.province)
    assert institutions_seed_demo().startswith("a finished round")
    finished, reviewing = SelectionRound.objects.order_by("pk")
    assert finished.published_at is not None
    assert finished.applications.filter(status=ApplicationStatus.SELECTED).count() == 5
    assert Contract.objects.filter(program=program_1, region=world.province).count() == 5
    assert ConflictDeclaration.objects.filter(item__panel=finished.panel).count() == 1
    assert any(r["outliers"] for r in finished.panel.results["items"])
    assert reviewing.panel.items.count() == 2
    assert not reviewing.panel.items.filter(scores__isnull=False).exists()
    waiting = InstitutionRegistration.objects.get()
    assert waiting.status == RegistrationStatus.PENDING
    assert waiting.licence_path
