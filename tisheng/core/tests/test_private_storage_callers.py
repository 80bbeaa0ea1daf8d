"""Every private file holding personal data goes through core.storage_files: large exports,
practice evidence and declared certificates are 0600 in 0700 directories, and an unwritable storage is the same clear
message there too."""

import stat

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tisheng.accounts.models import AuditLog
from tisheng.core.storage_files import WRITE_FAILED
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.services import jobs_run_pending
from tisheng.ledger.models import ImportedHoursDeclaration
from tisheng.ledger.tests.conftest import enrolled_2  # noqa: F401 (fixture)
from tisheng.ledger.tests.test_declarations import PNG, declare
from tisheng.monitoring.services import exports
from tisheng.monitoring.tests.test_exports import make_progress
from tisheng.practice import services
from tisheng.practice.models import PointChoice, Submission
from tisheng.practice.services.evidence import evidence_root, small_docx
from tisheng.practice.tests.conftest import catalogue, chosen, plan  # noqa: F401 (fixtures)

UNWRITABLE = "文件保存失败：存储不可写，请联系管理员。"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)  # every export of more than 2 rows is a job
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def unwritable(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"  # unwritable even for root


def large_export(world, program) -> Job:
    client = Client()
    client.force_login(world.province_officer)
    assert client.get("/monitoring/export/teachers.xlsx", {"program": program.pk}).status_code == 302
    jobs_run_pending()
    return Job.objects.filter(kind=exports.EXPORT_JOB).latest("id")


def evidence_upload(world, program):
    choice = PointChoice.objects.get(program=program, teacher=world.teacher, point__code="A5")
    task = choice.point_version.tasks.get(title="教学反思")
    return services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program, task=task,
                                      upload=SimpleUploadedFile("反思.docx", small_docx("课堂导入，学生兴趣浓厚。")))


def test_a_large_exports_file_is_readable_by_the_platform_only(world, program_1, media):
    make_progress(world, program_1)

    job = large_export(world, program_1)

    assert job.state == JobState.DONE
    path = media / job.result["file"]
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_large_export_to_an_unwritable_storage_fails_with_the_clear_message(world, program_1, media, unwritable):
    make_progress(world, program_1)

    job = large_export(world, program_1)

    assert job.state == JobState.FAILED
    assert UNWRITABLE in job.error
    assert AuditLog.objects.get(action=WRITE_FAILED).actor == world.province_officer


def test_practice_evidence_is_readable_by_the_platform_only(world, program_2, chosen, media):  # noqa: F811
    submission = evidence_upload(world, program_2)

    path = evidence_root() / submission.file_name
    assert mode(path) == 0o600
    assert {mode(d) for d in (path.parent, path.parent.parent, evidence_root(), media)} == {0o700}


def test_practice_evidence_to_an_unwritable_storage_is_a_clear_message(world, program_2, chosen, unwritable):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        evidence_upload(world, program_2)

    assert caught.value.messages == [UNWRITABLE]
    assert not Submission.objects.exists()
    assert AuditLog.objects.get(action=WRITE_FAILED).actor == world.teacher.user


def test_a_declared_certificate_is_readable_by_the_platform_only(client, world, program_2, enrolled_2, media):  # noqa: F811
    client.force_login(world.teacher.user)

    declare(client, program_2)

    path = media / ImportedHoursDeclaration.objects.get().certificate_file
    assert path.read_bytes() == PNG
    assert mode(path) == 0o600
    assert {mode(d) for d in (path.parent, path.parent.parent, media / "declarations", media)} == {0o700}


def test_a_certificate_to_an_unwritable_storage_is_a_clear_message(client, world, program_2, enrolled_2,  # noqa: F811
                                                                    unwritable):
    client.force_login(world.teacher.user)

    response = declare(client, program_2)

    assert UNWRITABLE in response.content.decode()
    assert not ImportedHoursDeclaration.objects.exists()
