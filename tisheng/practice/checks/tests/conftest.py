"""Practice data for the checks' tests, made with the ORM (points, tasks, submissions,
results), plus a fresh similarity index per test."""

import hashlib
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tisheng.diagnostics.models import MicroAbility
from tisheng.practice.checks.indexing import reset_index
from tisheng.practice.models import EvidenceTask, PointResult, PointVersion, Submission

POINTS = (("A1", "技术支持的学情分析", "学情分析"), ("A3", "演示文稿设计与制作", "教学设计"),
          ("A5", "技术支持的课堂导入", "学法指导"), ("A10", "技术支持的测验与练习", "学业评价"))


@pytest.fixture(autouse=True)
def _fresh_similarity_index():
    reset_index()
    yield
    reset_index()


@dataclass
class Practice:
    program: object
    points: list
    versions: list
    tasks: list  # one "反思" task per point


@pytest.fixture
def practice(world, program_2) -> Practice:
    points, versions, tasks = [], [], []
    for code, name, dimension in POINTS:
        point = MicroAbility.objects.get_or_create(code=code, defaults={"name": name, "dimension": dimension,
                                                                         "environment": "A"})[0]
        version = PointVersion.objects.create(point=point, number=1, name=name, dimension=dimension, environment="A")
        tasks.append(EvidenceTask.objects.create(point_version=version, order=1, title="教学反思",
                                                 kinds=["document"], rubric_pass="反思具体", rubric_excellent="反思深入"))
        points.append(point)
        versions.append(version)
    return Practice(program=program_2, points=points, versions=versions, tasks=tasks)


def make_submission(practice: Practice, teacher, text: str, *, task=None, version: int = 1) -> Submission:
    task = task or practice.tasks[0]
    Submission.objects.filter(program=practice.program, teacher=teacher, task=task).update(is_current=False)
    return Submission.objects.create(
        program=practice.program, teacher=teacher, task=task, version=version, is_current=True,
        file_name=f"{teacher.pk}/{task.pk}/v{version}.docx", original_name="反思.docx", kind="document",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        size=len(text.encode()), sha256=hashlib.sha256(text.encode()).hexdigest(), text=text)


def make_result(practice: Practice, teacher, point_index: int = 0, *, result: str = "pass",
                status: str = "assessed", decided_by=None) -> PointResult:
    return PointResult.objects.create(
        program=practice.program, teacher=teacher, point=practice.points[point_index],
        point_version=practice.versions[point_index], result=result, status=status, decided_by=decided_by,
        decided_at=timezone.now(), org_path=teacher.org_path)


def make_passed(practice: Practice, teacher, point_index: int = 0, *, result: str = "pass", decided_by=None,
                hours: str = "10") -> PointResult:
    """A passed point whose practice hours are in the ledger, as the school team's decision
    leaves it."""
    from tisheng.ledger.services import ledger_credit

    row = make_result(practice, teacher, point_index, result=result, decided_by=decided_by)
    point = practice.points[point_index]
    row.ledger_entry = ledger_credit(teacher=teacher, program=practice.program, category="practice", hours=hours,
                                     source_kind="micro_ability", source_id=point.code, granted_by_system="test",
                                     idempotency_key=f"practice:{practice.program.pk}:{teacher.pk}:{point.code}:0")
    row.save(update_fields=["ledger_entry"])
    return row


@pytest.fixture
def reviewer(world):
    """A reviewer of the teacher college of county A (鼓楼区教师进修学校)."""
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.tests.factories import UserFactory

    user = UserFactory(name="进修学校评审", phone="13700000011")
    RoleAssignment.objects.create(user=user, role="teacher_college", organization=world.college_a)
    return user


@pytest.fixture
def reviewer_b(world):
    """A reviewer of a teacher college in county B."""
    from tisheng.accounts.models import RoleAssignment
    from tisheng.orgs.tests.factories import OrganizationFactory
    from tisheng.people.tests.factories import UserFactory

    college_b = OrganizationFactory(code="TC350203", name="思明区教师进修学校", kind="teacher_college",
                                    region=world.county_b)
    user = UserFactory(name="思明进修评审", phone="13700000012")
    RoleAssignment.objects.create(user=user, role="teacher_college", organization=college_b)
    return user
