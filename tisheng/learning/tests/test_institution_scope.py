from tisheng.accounts.roles import Cap
from tisheng.learning.tests.factories import contract, institution
from tisheng.orgs.models import School
from tisheng.orgs.scope import capability_paths, forget_grants, grants_for, scope_filter


def test_an_institution_covers_the_regions_of_its_contracts(world, program_1):
    org, user = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    contract(program_1, org, world.city_a)

    assert capability_paths(user, Cap.ORGS_VIEW) == ["35"]


def test_an_institution_contracted_for_a_city_sees_only_that_citys_schools(world, program_1):
    org, user = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.city_a)

    schools = set(scope_filter(School.objects.all(), user, Cap.ORGS_VIEW).values_list("code", flat=True))

    assert schools == {world.school_a.code, world.school_a2.code}


def test_an_institution_without_contracts_sees_no_school(world, program_1):
    org, _user = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    _outsider_org, outsider = institution(world, "INST-Z", "无合同机构", "13600000009")

    assert not scope_filter(School.objects.all(), outsider, Cap.ORGS_VIEW).exists()


def test_loading_an_institutions_grants_takes_two_queries_and_an_officers_one(
        world, program_1, django_assert_num_queries):
    org, user = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_1, org, world.province)
    forget_grants(user)
    forget_grants(world.county_officer)

    with django_assert_num_queries(2):
        grants_for(user)
    with django_assert_num_queries(1):
        grants_for(world.county_officer)
