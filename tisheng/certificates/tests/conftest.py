from decimal import Decimal

import pytest

from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.programs.models import Enrollment


def enroll(program, teacher, *, state: str = "approved", online: str = "0", practice: str = "0",
           offline: str = "0", imported: str = "0") -> Enrollment:
    """An enrollment as the completion evaluator and the review chain leave it."""
    hours = {k: Decimal(v) for k, v in dict(online=online, practice=practice, offline=offline,
                                            imported=imported).items()}
    return Enrollment.objects.create(
        program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path, state=state,
        online_hours=hours["online"], practice_hours=hours["practice"], offline_hours=hours["offline"],
        imported_hours=hours["imported"], total_hours=sum(hours.values(), Decimal(0)),
    )


@pytest.fixture
def approved_2(world, program_2):
    """Every teacher of county A approved in 2.0 with 30 practice + 25 online hours."""
    return [enroll(program_2, t, online="25", practice="30") for t in [*world.teachers_a, world.teacher_a2]]


@pytest.fixture
def institution(world):
    return OrganizationFactory(code="INST35", name="福建教育学院", kind="institution", region=world.province)
