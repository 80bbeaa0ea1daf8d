from tisheng.learning import selectors
from tisheng.learning.models import Contract
from tisheng.learning.seed import COURSES, learning_seed_demo
from tisheng.learning.tests.factories import enroll
from tisheng.orgs.tests.factories import OrganizationFactory


def test_the_demo_catalogue_has_the_provinces_four_and_fuzhous_two(world, program_2):
    for code in COURSES:
        OrganizationFactory(code=code, name=code, kind="institution", region=world.province)
    enroll(program_2, world.teacher, world.teacher_b)

    made = learning_seed_demo()

    assert made == sum(len(v) for v in COURSES.values())
    assert Contract.objects.filter(region=world.province).count() == 4
    fuzhou = {c.institution.code for c in selectors.catalogue_for_teacher(world.teacher, program_2)}
    xiamen = {c.institution.code for c in selectors.catalogue_for_teacher(world.teacher_b, program_2)}
    assert fuzhou == {"INST-FJIE", "INST-FJNU"}
    assert xiamen == set(COURSES)
