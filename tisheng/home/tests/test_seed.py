from tisheng.home.seed import home_seed_demo
from tisheng.home.tests.helpers import count, home, section
from tisheng.monitoring.services.rollups import rollups_refresh_all
from tisheng.programs.services.enrollment import batch_create, batch_enroll


def test_the_demo_facts_give_the_principal_and_the_county_something_to_do(client, world, program_2):
    from tisheng.practice import services as practice_services

    practice_services.catalogue_load()
    batch = batch_create(actor=world.province_officer, program=program_2, year=2024, name="全员",
                         counties=[world.county_a, world.county_b])
    batch_enroll(actor=world.province_officer, batch=batch)
    rollups_refresh_all()  # as the demo seed does before this step

    home_seed_demo(school_code=world.school_a.code)

    school = section(home(client, world.principal), "school_admin")
    county = section(home(client, world.county_officer), "county_office")
    assert count(school, "declarations") == 2
    assert count(county, "exemptions") == 1
    assert count(county, "plans") == 1
    assert "最新通报" in county
    assert count(section(home(client, world.outsider), "county_office"), "plans") == 0
