"""Resources' own fixtures: private media in a temp folder, a teacher's graded evidence, and
small files to upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tisheng.core import storage_files
from tisheng.diagnostics.models import MicroAbility
from tisheng.practice.models import EvidenceTask, PointResult, PointVersion, Review, Submission
from tisheng.practice.services.evidence import DOCX, small_docx, small_pdf
from tisheng.resources.models import Licence
from tisheng.resources.services import library

EVIDENCE_TEXT = "学情分析：课前用问卷星收集学生对分数的理解，再用希沃白板的课堂活动开展导入。"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _extract_in_process(monkeypatch):
    """The text of an upload extracted in this process: the child process the service starts
    (with its own limits) costs a second or more on a busy machine, per file. The child itself
    is practice's to test."""
    from tisheng.core import officefiles
    from tisheng.practice import textextract
    from tisheng.practice.services import evidence

    def extract(path, content_type):
        try:
            return textextract.extract(str(path), content_type), ""
        except officefiles.OfficeFileRefused as exc:
            return "", exc.reason

    monkeypatch.setattr(evidence, "extract_text", extract)


@pytest.fixture
def graded_evidence(world, program_2):
    """The world teacher's .docx for A1, graded 优秀 by the school team and 推优."""
    point = MicroAbility.objects.create(code="A1", name="技术支持的学情分析", dimension="学情分析", environment="A")
    version = PointVersion.objects.create(point=point, number=1, name=point.name, dimension="学情分析",
                                          environment="A", confirmed=True)
    task = EvidenceTask.objects.create(point_version=version, title="学情分析方案", kinds=["document"])
    content = small_docx(EVIDENCE_TEXT)
    relative = f"{program_2.pk}/{world.teacher.pk}/{task.pk}-v1.docx"
    relative = storage_files.save(f"evidence/{relative}", content).removeprefix("evidence/")
    submission = Submission.objects.create(
        program=program_2, teacher=world.teacher, task=task, file_name=relative, original_name="学情分析方案.docx",
        kind="document", content_type=DOCX, size=len(content), sha256="0" * 64, text=EVIDENCE_TEXT,
        text_state="done")
    Review.objects.create(submission=submission, stage="team", reviewer=world.principal, grade="excellent")
    PointResult.objects.create(program=program_2, teacher=world.teacher, point=point, point_version=version,
                               result="excellent", recommended=True, decided_by=world.principal,
                               org_path=world.teacher.org_path)
    return submission


def pdf_upload(name: str = "课件.pdf", text: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, small_pdf(text))


def docx_upload(text: str, name: str = "教学设计.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, small_docx(text))


def make_resource(world, *, title: str, text: str = "", actor=None, unit=None, level="school", publish=True,
                  stage="primary", subject="数学", kind="design", points=("A1",)):
    """A resource of school A's (by the principal), submitted to `level` and published there."""
    actor = actor or world.principal
    unit = unit or world.school_a.path
    resource = library.resource_create(actor=actor, unit_path=unit, kind=kind, title=title, stage=stage,
                                       subject=subject, licence=Licence.PROVINCE, points=list(points), level=level,
                                       uploads=[("main", docx_upload(text or title))])
    if publish:
        entry = resource.entries.get()
        reviewer = {"school": world.principal, "county": world.county_officer,
                    "province": world.province_officer}[level]
        library.entry_decide(actor=reviewer, entry=entry, publish=True)
        resource.refresh_from_db()
    return resource
