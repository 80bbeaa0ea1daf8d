"""The resource library: contributing (an upload, or one's evidence in two clicks), review at
the level submitted to, picking by a higher level, reading, scope and bad input."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.accounts.models import AuditLog
from tisheng.notifications.models import Notification
from tisheng.resources.models import EntryState, LibraryEntry, Resource, ResourceState
from tisheng.resources.services import library
from tisheng.resources.tests.conftest import EVIDENCE_TEXT, docx_upload, make_resource


def test_a_teacher_contributes_graded_evidence_in_two_clicks_and_its_file_text_and_grade_come_along(
        client, world, graded_evidence):
    client.force_login(world.teacher.user)
    listing = client.get(reverse("resources:contribute_list"))
    assert "学情分析方案.docx" in listing.content.decode()
    confirm = client.get(reverse("resources:contribute", args=[graded_evidence.pk]))  # click 1
    assert confirm.status_code == 200
    done = client.post(reverse("resources:contribute", args=[graded_evidence.pk]),  # click 2
                       {"consent": "1", "level": "school", "kind": "case"}, follow=True)
    resource = Resource.objects.get()
    assert resource.source_grade == "excellent"
    assert resource.source_recommended
    assert resource.text == EVIDENCE_TEXT
    assert resource.consent_at is not None
    assert resource.files.get().original_name == "学情分析方案.docx"
    assert list(resource.points.values_list("code", flat=True)) == ["A1"]
    assert resource.state == ResourceState.IN_REVIEW
    assert "你的实践成果已贡献，等待福州市鼓楼第一中心小学资源库审核。" in done.content.decode()
    assert AuditLog.objects.filter(action="resources.contribute").exists()


def test_contributing_without_consent_is_refused_and_nothing_is_kept(world, graded_evidence):
    with pytest.raises(ValidationError):
        library.resource_contribute_evidence(actor=world.teacher.user, submission=graded_evidence, consent=False)
    assert not Resource.objects.exists()


def test_someone_elses_evidence_cannot_be_contributed(client, world, graded_evidence):
    client.force_login(world.teachers_a[2].user)
    assert client.get(reverse("resources:contribute", args=[graded_evidence.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        library.resource_contribute_evidence(actor=world.teachers_a[2].user, submission=graded_evidence,
                                             consent=True)


def test_the_school_reviews_its_library_and_the_contributor_is_told_the_outcome(client, world, graded_evidence):
    resource = library.resource_contribute_evidence(actor=world.teacher.user, submission=graded_evidence,
                                                    consent=True)
    entry = resource.entries.get()
    client.force_login(world.principal)
    assert resource.title in client.get(reverse("resources:review")).content.decode()
    response = client.post(reverse("resources:decide", args=[entry.pk]), {"decision": "return", "comment": ""},
                           follow=True)
    assert "退回前请写明需要修改的地方。" in response.content.decode()
    assert LibraryEntry.objects.get().state == EntryState.IN_REVIEW
    client.post(reverse("resources:decide", args=[entry.pk]), {"decision": "return", "comment": "请补充课后反思"})
    assert LibraryEntry.objects.get().state == EntryState.RETURNED
    note = Notification.objects.filter(recipient=world.teacher.user).latest("id")
    assert "请补充课后反思" in note.body
    library.resource_submit(actor=world.teacher.user, resource=resource, level="school")
    client.post(reverse("resources:decide", args=[entry.pk]), {"decision": "publish", "comment": "很好"})
    resource.refresh_from_db()
    assert resource.state == ResourceState.PUBLISHED
    assert resource.published_level == "school"
    assert AuditLog.objects.filter(action="resources.publish", object_id=str(resource.pk)).exists()
    assert Notification.objects.filter(recipient=world.teacher.user).count() == 2


def test_only_the_reviewers_of_the_library_decide_not_the_level_above(world):
    resource = make_resource(world, title="分数的初步认识", publish=False)
    entry = resource.entries.get()
    for someone in (world.province_officer, world.county_officer, world.teacher.user):
        with pytest.raises(PermissionDenied):
            library.entry_decide(actor=someone, entry=entry, publish=True)


def test_a_higher_level_picks_a_published_resource_into_its_library(client, world):
    resource = make_resource(world, title="分数的初步认识")
    client.force_login(world.county_officer)
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert 'data-testid="pick"' in page
    client.post(reverse("resources:pick", args=[resource.pk]))
    resource.refresh_from_db()
    assert resource.published_level == "county"
    assert resource.entries.get(library_path=world.county_a.path).via == "picked"
    assert Notification.objects.filter(recipient=world.principal).exists()


def test_every_teacher_of_the_province_reads_published_resources_but_not_unpublished_ones(client, world):
    published = make_resource(world, title="分数的初步认识")
    waiting = make_resource(world, title="小数的意义", publish=False)
    client.force_login(world.teacher_b.user)  # another county
    assert client.get(reverse("resources:detail", args=[published.pk])).status_code == 200
    file = published.files.get()
    assert client.get(reverse("resources:file", args=[file.pk]) + "?download=1").status_code == 200
    assert client.get(reverse("resources:detail", args=[waiting.pk])).status_code == 404
    page = client.get(reverse("resources:library")).content.decode()
    assert "分数的初步认识" in page
    assert "小数的意义" not in page


def test_the_outsider_gets_404_for_county_a_unpublished_resources_and_their_review(client, world):
    waiting = make_resource(world, title="小数的意义", publish=False)
    entry = waiting.entries.get()
    client.force_login(world.outsider)
    assert client.get(reverse("resources:detail", args=[waiting.pk])).status_code == 404
    assert client.get(reverse("resources:file", args=[waiting.files.get().pk])).status_code == 404
    assert client.post(reverse("resources:decide", args=[entry.pk]), {"decision": "publish"}).status_code == 404
    assert client.post(reverse("resources:rate", args=[waiting.pk]), {"stars": "5"}).status_code == 404
    assert client.post(reverse("resources:pick", args=[waiting.pk])).status_code == 404
    assert "小数的意义" not in client.get(reverse("resources:review")).content.decode()


def test_the_upload_form_refuses_a_file_that_is_not_a_document_and_keeps_what_was_typed(client, world):
    client.force_login(world.principal)
    response = client.post(reverse("resources:new"), {
        "unit": f"school|{world.school_a.path}", "kind": "design", "title": "分数的初步认识教学设计",
        "licence": "province", "level": "school",
        "main": SimpleUploadedFile("设计.docx", b"MZ\x90\x00 this is a program, not a document")})
    assert response.status_code == 400
    body = response.content.decode()
    assert "分数的初步认识教学设计" in body
    assert "设计.docx" in body
    assert not Resource.objects.exists()


def test_an_office_file_bomb_is_refused_before_anything_opens_it(world):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w>" + "a" * 60_000_000 + "</w>")
    with pytest.raises(ValidationError):
        library.resource_create(actor=world.principal, unit_path=world.school_a.path, unit_kind="school",
                                kind="design", title="炸弹", uploads=[("main", SimpleUploadedFile("x.docx",
                                                                                                  buffer.getvalue()))])
    assert not Resource.objects.exists()


def test_the_upload_form_saves_a_resource_with_its_extracted_text_and_submits_it(client, world):
    client.force_login(world.principal)
    response = client.post(reverse("resources:new"), {
        "unit": f"school|{world.school_a.path}", "kind": "design", "title": "分数的初步认识教学设计",
        "licence": "province", "level": "county", "points": "A1，B2", "stage": "primary", "subject": "数学",
        "main": docx_upload("本课用希沃白板的蒙层功能引入分数。")}, follow=True)
    assert response.status_code == 200
    resource = Resource.objects.get()
    assert "希沃白板" in resource.text
    assert resource.state == ResourceState.IN_REVIEW
    assert resource.contributor_kind == "school"
    assert sorted(resource.points.values_list("code", flat=True)) == ["A1", "B2"]
    assert resource.entries.get().library_path == world.county_a.path
    assert "鼓楼区资源库" in response.content.decode()
