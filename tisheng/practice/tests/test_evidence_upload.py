import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from tisheng.practice import services
from tisheng.practice.models import EvidenceTask, PointChoice, Submission
from tisheng.practice.services.evidence import (
    ALREADY_GRADED,
    FILE_TYPE_UNKNOWN,
    TASK_NOT_CHOSEN,
    evidence_root,
    small_docx,
    small_pdf,
    submissions_extract_pending,
)
from tisheng.practice.tests.conftest import MP4, PNG

pytestmark = pytest.mark.django_db


def task_of(program, world, code, title):
    choice = PointChoice.objects.get(program=program, teacher=world.teacher, point__code=code)
    return choice.point_version.tasks.get(title=title)


def upload(world, program, task, name, content):
    return services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program, task=task,
                                      upload=SimpleUploadedFile(name, content))


def with_text(submission: Submission) -> Submission:
    """The submission once the extraction job has run (test_evidence_text_extraction.py)."""
    submissions_extract_pending()
    submission.refresh_from_db()
    return submission


def test_a_docx_is_stored_privately_with_its_text_extracted(world, program_2, chosen):
    task = task_of(program_2, world, "A5", "教学反思")
    submission = with_text(upload(world, program_2, task, "反思.docx", small_docx("本节课用希沃白板导入，学生兴趣浓厚。")))
    assert submission.kind == "document"
    assert "希沃白板" in submission.text
    assert (evidence_root() / submission.file_name).exists()
    assert submission.original_name == "反思.docx"


def test_the_type_is_judged_by_content_not_by_the_file_name(world, program_2, chosen):
    task = task_of(program_2, world, "A5", "教学反思")
    with pytest.raises(ValidationError) as error:
        upload(world, program_2, task, "反思.docx", b"MZ\x90\x00 this is a windows program")
    assert error.value.messages == [_(FILE_TYPE_UNKNOWN)]
    # A real PDF named .docx is accepted as the PDF it is.
    submission = upload(world, program_2, task, "反思.docx", small_pdf("反思"))
    assert submission.content_type == "application/pdf"


def test_a_video_task_refuses_a_document(world, program_2, chosen):
    task = task_of(program_2, world, "A5", "课堂实录片段")
    with pytest.raises(ValidationError):
        upload(world, program_2, task, "实录.mp4", small_docx("not a video"))
    assert upload(world, program_2, task, "实录.mp4", MP4).kind == "video"


def test_an_image_over_its_size_limit_is_refused(world, program_2, chosen, settings):
    settings.PRACTICE_EVIDENCE_MAX_BYTES = dict(settings.PRACTICE_EVIDENCE_MAX_BYTES, image=50, document=10_000)
    task = task_of(program_2, world, "A10", "应用案例")
    with pytest.raises(ValidationError) as error:
        upload(world, program_2, task, "截图.png", PNG + b"\x00" * 100)
    assert "MB" in error.value.messages[0]
    assert not Submission.objects.exists()
    assert not evidence_root().exists() or not [p for p in evidence_root().rglob("*") if p.is_file()]


def test_a_resubmission_keeps_the_earlier_version(world, program_2, chosen):
    task = task_of(program_2, world, "A5", "教学反思")
    first = upload(world, program_2, task, "v1.docx", small_docx("第一稿"))
    second = upload(world, program_2, task, "v2.docx", small_docx("第二稿"))
    first.refresh_from_db()
    assert (first.version, first.is_current) == (1, False)
    assert (second.version, second.is_current) == (2, True)


def test_a_graded_item_cannot_be_resubmitted(world, program_2, chosen, assessor):
    task = task_of(program_2, world, "A5", "教学反思")
    submission = upload(world, program_2, task, "v1.docx", small_docx("第一稿"))
    services.review_team(actor=assessor, submission=submission, grade="pass", comment="")
    with pytest.raises(ValidationError) as error:
        upload(world, program_2, task, "v2.docx", small_docx("第二稿"))
    assert error.value.messages == [_(ALREADY_GRADED)]


def test_a_task_of_a_point_not_chosen_is_refused(world, program_2, chosen):
    task = EvidenceTask.objects.filter(point_version__point__code="A2").first()
    with pytest.raises(ValidationError) as error:
        upload(world, program_2, task, "x.docx", small_docx("x"))
    assert error.value.messages == [_(TASK_NOT_CHOSEN)]


def a_pptx(text: str) -> bytes:
    import io

    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = text
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def a_text_pdf(text: str) -> bytes:
    """A one-page PDF drawing `text` in Helvetica (ASCII), written by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_slides_are_recognised_inside_the_zip_and_their_text_extracted(world, program_2, chosen):
    task = task_of(program_2, world, "A10", "评价量规或工具")
    submission = with_text(upload(world, program_2, task, "量规.pptx", a_pptx("课堂评价量规")))
    assert (submission.kind, submission.text) == ("slides", "课堂评价量规")


def test_a_pdfs_text_is_extracted(world, program_2, chosen):
    task = task_of(program_2, world, "A5", "教学反思")
    submission = with_text(upload(world, program_2, task, "reflection.pdf", a_text_pdf("Reflection on the lesson")))
    assert "Reflection on the lesson" in submission.text


def test_a_zip_that_is_not_an_office_file_is_refused(world, program_2, chosen):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "not a document")
    task = task_of(program_2, world, "A5", "教学反思")
    with pytest.raises(ValidationError) as error:
        upload(world, program_2, task, "反思.docx", buffer.getvalue())
    assert error.value.messages == [_(FILE_TYPE_UNKNOWN)]


def test_a_video_longer_than_ten_minutes_is_refused(world, program_2, chosen, monkeypatch):
    from tisheng.practice.services import evidence

    monkeypatch.setattr(evidence, "video_seconds", lambda path: 11 * 60.0)
    task = task_of(program_2, world, "A5", "课堂实录片段")
    with pytest.raises(ValidationError) as error:
        upload(world, program_2, task, "实录.mp4", MP4)
    assert "11.0" in error.value.messages[0]


def test_ffprobe_measures_the_demo_clip():
    import shutil

    from tisheng.practice.seed import DEMO_CLIP
    from tisheng.practice.services.evidence import video_seconds

    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is not installed")
    assert 2.5 < video_seconds(DEMO_CLIP) < 3.5
