import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tisheng.accounts.models import RoleAssignment
from tisheng.learning import services
from tisheng.learning.models import Contract
from tisheng.learning.tests.factories import contract, institution
from tisheng.people.tests.factories import UserFactory


@pytest.fixture
def city_officer(world):
    user = UserFactory(name="福州市工程办", phone="13600000101")
    RoleAssignment.objects.create(user=user, role="city_office", region=world.city_a)
    return user


def test_the_province_selects_an_institution_for_the_whole_province(world, program_1):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")

    c = services.contract_create(actor=world.province_officer, program=program_1, institution=org,
                                 region=world.province)

    assert c.region_path == "35"


def test_a_city_chooses_among_the_provinces_selection_for_a_county(world, program_1, city_officer):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)

    c = services.contract_create(actor=city_officer, program=program_1, institution=org, region=world.county_a)

    assert c.region_path == world.county_a.path


def test_a_city_cannot_choose_an_institution_the_province_did_not_select(world, program_1, city_officer):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")

    with pytest.raises(ValidationError) as exc:
        services.contract_create(actor=city_officer, program=program_1, institution=org, region=world.city_a)
    assert services.CONTRACT_NOT_SELECTED_BY_PROVINCE in exc.value.messages


def test_a_city_cannot_contract_for_another_citys_county(world, program_1, city_officer):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)

    with pytest.raises(PermissionDenied):
        services.contract_create(actor=city_officer, program=program_1, institution=org, region=world.county_b)


def test_a_city_cannot_select_for_the_province(world, program_1, city_officer):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")

    with pytest.raises(PermissionDenied):
        services.contract_create(actor=city_officer, program=program_1, institution=org, region=world.province)


def test_the_provinces_selection_cannot_be_removed_while_cities_chose_it(world, program_1):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    top = contract(program_1, org, world.province)
    contract(program_1, org, world.city_a)

    with pytest.raises(ValidationError) as exc:
        services.contract_delete(actor=world.province_officer, contract=top)
    assert services.CONTRACT_HAS_CHOICES in exc.value.messages


def test_the_city_contracts_page_adds_a_choice(client, world, program_1, city_officer, password):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    client.login(username=city_officer.phone, password=password)

    response = client.post(reverse("learning:contracts"), {"program": program_1.pk, "institution": org.pk,
                                                            "region": world.county_a.pk})

    assert response.status_code == 302
    assert Contract.objects.filter(region=world.county_a, institution=org).exists()
    page = client.get(reverse("learning:contracts"), {"program": program_1.pk}).content.decode()
    assert "甲机构" in page


def test_a_county_office_gets_403_on_the_contracts_page(client, world, program_1, password):
    client.login(username=world.county_officer.phone, password=password)

    assert client.get(reverse("learning:contracts")).status_code == 403


def test_a_city_cannot_remove_another_citys_contract(client, world, program_1, city_officer, password):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    theirs = contract(program_1, org, world.county_b)
    client.login(username=city_officer.phone, password=password)

    response = client.post(reverse("learning:contract_delete", args=[theirs.pk]))

    assert response.status_code == 404
    assert Contract.objects.filter(pk=theirs.pk).exists()
