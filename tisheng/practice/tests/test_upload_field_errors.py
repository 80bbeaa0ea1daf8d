"""An upload error (wrong type, too large, hostile file) is shown next to the file field it is
about, not only as a banner, and what the teacher typed is kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from tisheng.practice.models import PointChoice, Submission
from tisheng.practice.services.evidence import FILE_TOO_LARGE, FILE_TYPE_UNKNOWN, KIND_LABELS

pytestmark = pytest.mark.django_db

NOTE = "补充了前测数据和分析图表"


def first_task(world, program, code="A1"):
    choice = PointChoice.objects.select_related("point_version").get(program=program, teacher=world.teacher,
                                                                     point__code=code)
    return choice.point_version.tasks.first()


def post(client, program, task, upload=None):
    data = {"note": NOTE}
    if upload is not None:
        data["file"] = upload
    return client.post(reverse("practice:my_upload", args=[task.pk]) + f"?program={program.code}", data)


def field_errors(response, task) -> str:
    """The text of the error list beside the task's file field."""
    html = response.content.decode()
    start = html.index(f'id="file-{task.pk}-errors"')
    return html[start:html.index("</ul>", start)]


def test_a_file_of_the_wrong_type_is_refused_beside_its_field_and_the_note_is_kept(client, world, program_2, chosen):
    task = first_task(world, program_2)
    client.force_login(world.teacher.user)

    response = post(client, program_2, task, SimpleUploadedFile("方案.docx", b"MZ\x90\x00 this is an exe"))

    assert response.status_code == 400
    assert escape(_(FILE_TYPE_UNKNOWN)) in field_errors(response, task)
    assert f">{NOTE}</textarea>" in response.content.decode()
    assert "方案.docx" in response.content.decode()  # the banner names the file that was refused
    assert not Submission.objects.exists()


def test_a_file_too_large_is_refused_beside_its_field(client, world, program_2, chosen, settings):
    settings.PRACTICE_EVIDENCE_MAX_BYTES = {**settings.PRACTICE_EVIDENCE_MAX_BYTES, "document": 2 * 1024 * 1024}
    task = first_task(world, program_2)
    client.force_login(world.teacher.user)
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)

    response = post(client, program_2, task, SimpleUploadedFile("方案.pdf", big))

    assert response.status_code == 400
    expected = _(FILE_TOO_LARGE) % {"limit": 2, "kind": _(KIND_LABELS["document"])}
    assert escape(expected) in field_errors(response, task)


def test_no_file_chosen_is_said_beside_the_field(client, world, program_2, chosen):
    task = first_task(world, program_2)
    client.force_login(world.teacher.user)

    response = post(client, program_2, task)

    assert response.status_code == 400
    assert "选择" in field_errors(response, task)
    assert f">{NOTE}</textarea>" in response.content.decode()


def test_the_outsider_gets_404_uploading_to_a_teachers_task(client, world, program_2, chosen):
    task = first_task(world, program_2)
    client.force_login(world.outsider)

    assert post(client, program_2, task, SimpleUploadedFile("a.pdf", b"%PDF-1.4")).status_code == 404
