import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tisheng.practice import services
from tisheng.practice.models import EvidenceTask, PointVersion
from tisheng.practice.services.catalogue import TASK_KINDS_REQUIRED
from tisheng.practice.tests.conftest import point

pytestmark = pytest.mark.django_db


def test_the_catalogue_seeds_every_point_with_its_evidence_tasks(catalogue):
    assert PointVersion.objects.count() == 30
    assert all(v.tasks.exists() for v in PointVersion.objects.all())
    a5 = PointVersion.objects.get(point__code="A5")
    assert [t.title for t in a5.tasks.all()] == ["教学设计", "课堂实录片段", "教学反思"]
    assert a5.tasks.get(title="课堂实录片段").kinds == ["video"]


def test_loading_the_catalogue_twice_creates_nothing_more(catalogue):
    assert services.catalogue_load() == 0
    assert PointVersion.objects.count() == 30


def test_a_province_edit_writes_a_new_version_and_keeps_the_old_one(world, catalogue):
    a1 = point("A1")
    tasks = [{"title": "学情分析方案", "guide": "新指南", "kinds": ["document"], "rubric_excellent": "优", "rubric_pass": "合"}]
    version = services.point_edit(actor=world.province_officer, point=a1, name="技术支持的学情分析（修订）",
                                  confirmed=True, tasks=tasks, note="省里修订")
    assert version.number == 2
    assert services.current_version(a1) == version
    old = PointVersion.objects.get(point=a1, number=1)
    assert old.tasks.count() == 2
    assert list(version.tasks.values_list("guide", flat=True)) == ["新指南"]
    a1.refresh_from_db()
    assert a1.name == "技术支持的学情分析（修订）"


def test_a_county_officer_cannot_edit_the_catalogue(world, catalogue):
    with pytest.raises(PermissionDenied):
        services.point_edit(actor=world.county_officer, point=point("A1"), name="x", confirmed=False,
                            tasks=[{"title": "t", "kinds": ["document"]}])


def test_a_task_without_any_allowed_kind_is_refused(world, catalogue):
    with pytest.raises(ValidationError) as error:
        services.point_edit(actor=world.province_officer, point=point("A1"), name="x", confirmed=False,
                            tasks=[{"title": "t", "kinds": []}])
    assert TASK_KINDS_REQUIRED in error.value.messages
    assert EvidenceTask.objects.filter(point_version__point__code="A1").count() == 2


def test_evidence_submitted_before_an_edit_keeps_its_version(world, program_2, chosen):
    from tisheng.practice.models import PointChoice
    from tisheng.practice.tests.conftest import submit_point

    before = submit_point(world, program_2, "A1")
    services.point_edit(actor=world.province_officer, point=point("A1"), name="技术支持的学情分析", confirmed=True,
                        tasks=[{"title": "学情分析报告（修订）", "kinds": ["document"]}])
    assert {s.task.point_version.number for s in before} == {1}
    # The teacher who chose before the edit goes on with version 1; a new choice takes version 2.
    assert PointChoice.objects.get(teacher=world.teacher, point__code="A1").point_version.number == 1
    colleague = world.teachers_a[2]
    chosen_now = services.choices_save(actor=colleague.user, teacher=colleague, program=program_2,
                                       point_codes=["A1", "A5", "A10"])
    assert next(c for c in chosen_now if c.point.code == "A1").point_version.number == 2
