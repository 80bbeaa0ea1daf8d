import pytest

from tisheng.diagnostics.services import catalogue_load, instrument_create_default
from tisheng.programs.services.enrollment import batch_create, batch_enroll


def _enroll(world, program):
    batch_enroll(actor=world.province_officer, batch=batch_create(
        actor=world.province_officer, program=program, year=program.start_date.year, name="全员",
        counties=[world.county_a, world.county_b]))
    return program


@pytest.fixture
def instrument_1(world, program_1):
    """The default 1.0 test (20 items) of program_1, every teacher of both counties enrolled."""
    catalogue_load()
    _enroll(world, program_1)
    return instrument_create_default(program=program_1)


@pytest.fixture
def instrument_2(world, program_2):
    catalogue_load()
    _enroll(world, program_2)
    return instrument_create_default(program=program_2)


def answers_scoring(instrument, choose):
    """{item id: choice index} with `choose(item)` giving the index for each item."""
    return {item.pk: choose(item) for item in instrument.items.all()}
