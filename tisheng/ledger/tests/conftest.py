import pytest

from tisheng.programs.models import Enrollment


def enroll(program, teacher, **fields) -> Enrollment:
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school,
                                     org_path=teacher.org_path, **fields)


@pytest.fixture
def enrolled_2(program_2, world):
    """Every teacher of the world enrolled in 2.0."""
    return {t.pk: enroll(program_2, t) for t in [*world.teachers_a, world.teacher_a2, world.teacher_b]}


@pytest.fixture
def enrolled_1(program_1, world):
    return {t.pk: enroll(program_1, t) for t in [*world.teachers_a, world.teacher_a2, world.teacher_b]}
