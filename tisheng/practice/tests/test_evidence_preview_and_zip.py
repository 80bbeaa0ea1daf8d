"""The assessor previews evidence (a PDF inline in a same-origin frame, a Word file as its
extracted text, an image inline) and downloads a teacher's evidence as one .zip, streamed,
with Chinese names that no uploaded file name can turn into a path outside the archive's
folder; the download is audited as an export. Another county gets a 404 for both."""

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.accounts.models import AuditLog
from tisheng.core import storage_files
from tisheng.practice import services
from tisheng.practice.models import PointChoice, Submission
from tisheng.practice.services.evidence import small_docx, small_pdf, submission_name
from tisheng.practice.services.evidence_zip import safe_component
from tisheng.practice.tests.conftest import PNG, submit_point

pytestmark = pytest.mark.django_db


def upload(world, program, code, index, name, content):
    choice = PointChoice.objects.select_related("point_version").get(program=program, teacher=world.teacher,
                                                                     point__code=code)
    task = list(choice.point_version.tasks.all())[index]
    return services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program, task=task,
                                      upload=SimpleUploadedFile(name, content))


def preview(client, submission):
    return client.get(reverse("practice:evidence_preview", args=[submission.pk]))


def zip_url(world, program, point=""):
    url = reverse("practice:evidence_zip", args=[world.teacher.pk]) + f"?program={program.code}"
    return url + (f"&point={point}" if point else "")


def test_a_pdf_is_previewed_in_a_same_origin_frame_and_served_inline(client, world, program_2, chosen, assessor):
    pdf = upload(world, program_2, "A1", 0, "学情分析方案.pdf", small_pdf("方案"))
    client.force_login(assessor)

    page = preview(client, pdf)
    file_url = reverse("practice:evidence_file", args=[pdf.pk])
    response = client.get(file_url)

    assert page.status_code == 200
    assert f'<iframe class="evidence-preview-frame" src="{file_url}"' in page.content.decode()
    assert "object-src 'none'" in page["Content-Security-Policy"]  # an <iframe>, never an <object>
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(file_url + "?download=1")["Content-Disposition"].startswith("attachment")


def test_a_word_file_is_previewed_as_its_extracted_text(client, world, program_2, chosen, assessor):
    doc = upload(world, program_2, "A1", 1, "学情分析报告.docx", small_docx("前测正确率 62%"))
    client.force_login(assessor)
    page = preview(client, doc).content.decode()
    assert "正在提取" in page, page[page.index('data-testid="preview"'):][:800]

    Submission.objects.filter(pk=doc.pk).update(text="前测正确率 62%，第三题错误最多。", text_state="done")
    page = preview(client, doc).content.decode()

    assert "前测正确率 62%，第三题错误最多。" in page
    assert "<iframe" not in page


def test_an_image_is_previewed_and_served_inline(client, world, program_2, chosen, assessor):
    image = upload(world, program_2, "A1", 1, "学情统计截图.png", PNG)  # the report task takes an image
    client.force_login(assessor)

    page = preview(client, image).content.decode()
    response = client.get(reverse("practice:evidence_file", args=[image.pk]))

    assert '<img class="evidence-preview-image"' in page
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"


def test_the_evidence_of_a_point_downloads_as_one_zip_with_chinese_names(client, world, program_2, chosen,
                                                                          assessor):
    submissions = submit_point(world, program_2, "A1")
    submit_point(world, program_2, "A5")
    client.force_login(assessor)

    response = client.get(zip_url(world, program_2, "A1"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == len(submissions)
    assert all(n.startswith(f"{world.teacher.name}的实践成果/A1 ") for n in names)
    assert all("第1次提交" in n and "当前" in n for n in names)
    for s in submissions:
        name = next(n for n in names if f"v{s.version}" in n and n.split("/")[2].startswith(f"{s.task.order}."))
        assert archive.read(name) == storage_files.open(submission_name(s)).read()
    entry = AuditLog.objects.get(action="exported", object_id="practice_evidence")
    assert (entry.actor, entry.detail["point"], entry.detail["files"]) == (assessor, "A1", len(submissions))


def test_all_points_and_every_version_go_in_the_zip_of_all_points(client, world, program_2, chosen, assessor):
    first = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=first[0], grade="fail", comment="缺少前测数据")
    upload(world, program_2, "A1", 0, "修改稿.docx", small_docx("补充了前测数据"))
    submit_point(world, program_2, "A10")
    client.force_login(assessor)

    names = zipfile.ZipFile(io.BytesIO(b"".join(client.get(zip_url(world, program_2)).streaming_content))).namelist()

    assert any(n.split("/")[1].startswith("A10 ") for n in names)
    assert any("第2次提交-v2（当前）-修改稿.docx" in n for n in names)
    assert any("第1次提交-v1-" in n for n in names)  # the earlier version is kept in the archive


@pytest.mark.parametrize("hostile", ["../../../etc/passwd.docx", "..\\..\\Windows\\evil.docx", "/etc/shadow.docx",
                                     "C:\\boot.docx", "CON.docx", "a\x00b\nc.docx", "....docx"])
def test_an_uploaded_file_name_cannot_lead_outside_the_archives_folder(client, world, program_2, chosen, assessor,
                                                                         hostile):
    upload(world, program_2, "A1", 1, hostile, small_docx("报告"))
    client.force_login(assessor)

    names = zipfile.ZipFile(io.BytesIO(b"".join(client.get(zip_url(world, program_2, "A1")).streaming_content))
                            ).namelist()

    for name in names:
        parts = name.split("/")
        assert len(parts) == 4
        assert parts[0] == f"{world.teacher.name}的实践成果"
        assert not any(p in ("", ".", "..") or p.startswith(".") for p in parts)
        assert not any(ch in name for ch in '\\:\x00\n')
        assert not parts[-1].upper().startswith("CON.")


def test_safe_component_keeps_chinese_and_drops_what_a_file_system_would_read_as_a_path():
    assert safe_component("学情分析报告（修改稿）") == "学情分析报告（修改稿）"
    assert safe_component("../../x") == "x"
    assert safe_component("a:b*c?") == "a_b_c_"
    assert safe_component("nul") == "_nul"
    assert safe_component("...") == "_"


def test_the_outsider_gets_404_for_the_preview_and_the_zip(client, world, program_2, chosen, assessor):
    pdf = upload(world, program_2, "A1", 0, "方案.pdf", small_pdf("方案"))
    client.force_login(world.outsider)

    assert preview(client, pdf).status_code == 404
    assert client.get(zip_url(world, program_2)).status_code == 404
    assert client.get(zip_url(world, program_2, "A1")).status_code == 404
    assert not AuditLog.objects.filter(action="exported").exists()


def test_another_teacher_gets_404_for_the_preview_and_the_zip(client, world, program_2, chosen):
    submission = submit_point(world, program_2, "A1")[0]
    client.force_login(world.teacher_a2.user)

    assert preview(client, submission).status_code == 404
    assert client.get(zip_url(world, program_2)).status_code == 404


def test_an_uploaded_file_name_with_a_nul_and_line_breaks_is_kept_without_them(world, program_2, chosen):
    # PostgreSQL refuses a NUL in a text column: this upload was a 500 there.
    s = upload(world, program_2, "A1", 1, "报告\x00草稿\n第二版.docx", small_docx("报告"))

    assert Submission.objects.get(pk=s.pk).original_name == "报告草稿第二版.docx"


def test_the_zip_is_streamed_in_memory_bounded_by_one_chunk_whatever_the_files_size(tmp_path, settings):
    import tracemalloc

    from tisheng.practice.services.evidence_zip import Entry, zip_stream

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    clip = tmp_path / "private" / "evidence" / "clip.mp4"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(os.urandom(40 * 1024 * 1024))
    entries = [Entry(stored="evidence/clip.mp4", name=f"成果/第{i}次提交-课堂实录.mp4", size=clip.stat().st_size,
                     compress=zipfile.ZIP_STORED, date_time=(2026, 12, 6, 8, 0, 0)) for i in (1, 2)]
    out = tmp_path / "out.zip"

    tracemalloc.start()
    with out.open("wb") as f:
        for chunk in zip_stream(entries):
            f.write(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert peak < 8 * 1024 * 1024  # 80 MB of evidence, a few MB of memory
    archive = zipfile.ZipFile(out)
    assert archive.testzip() is None
    assert archive.namelist() == ["成果/第1次提交-课堂实录.mp4", "成果/第2次提交-课堂实录.mp4"]
