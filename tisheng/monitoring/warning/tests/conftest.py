import datetime as dt
from decimal import Decimal

import pytest

from tisheng.ledger.models import LedgerEntry
from tisheng.monitoring.warning.risk import SHANGHAI
from tisheng.programs.completion import completion_refresh
from tisheng.programs.models import Enrollment, EnrollmentState

# Two months before program 1.0's deadline (2017-12-31): late enough that stopping matters.
AS_OF = dt.datetime(2017, 11, 1, 12, tzinfo=SHANGHAI)


def credit(program, teacher, hours, at, category="online"):
    n = LedgerEntry.objects.filter(teacher=teacher).count()
    return LedgerEntry.objects.create(teacher=teacher, program=program, category=category, hours=Decimal(hours),
                                      source_kind="test", source_id=str(n),
                                      idempotency_key=f"t-{teacher.pk}-{program.pk}-{n}", granted_by_system="test",
                                      at=at)


def enroll(program, teacher, state=EnrollmentState.IN_PROGRESS):
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school,
                                     org_path=teacher.org_path, state=state)


@pytest.fixture
def at_risk(world, program_1):
    """County A, program 1.0 at AS_OF (61 days before the deadline):
    teachers_a[0] steady (60 h: 30 online, 30 practice, 3 h a week lately), teachers_a[1] stopped 40 days ago after
    10 h, teachers_a[2] never started, teacher_a2 complete; county B's teacher stopped too."""
    steady, stopped, never = world.teachers_a
    for t in (steady, stopped, never, world.teacher_b):
        enroll(program_1, t)
    enroll(program_1, world.teacher_a2, EnrollmentState.COMPLETE)
    for week in range(20):
        credit(program_1, steady, "3", AS_OF - dt.timedelta(days=7 * week + 2), "practice" if week < 10 else "online")
    credit(program_1, stopped, "10", AS_OF - dt.timedelta(days=40))
    credit(program_1, world.teacher_b, "10", AS_OF - dt.timedelta(days=40))
    completion_refresh(Enrollment.objects.filter(program=program_1).exclude(state=EnrollmentState.COMPLETE))
    return program_1
