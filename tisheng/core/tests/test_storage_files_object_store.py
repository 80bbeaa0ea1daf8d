"""Every kind of private file goes to the object store when one is configured (issue 20, item 4): uploaded
through its own service or page, read back through its own download view, which checks scope and then
sends the browser (302) to a short-lived signed URL whose GET returns the same bytes. A store that is
down is the clear message and no row that points at a missing object.

The object store is moto in server mode (tisheng/core/tests/conftest.py)."""

import datetime as dt
from dataclasses import dataclass

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tisheng.communities import pairing_services
from tisheng.communities import services_assignments as assignments
from tisheng.communities.models import AssignmentSubmission, PairActivity
from tisheng.communities.tests.test_assignments import _assignment
from tisheng.communities.tests.test_assignments import s as assignment_world  # noqa: F401 (fixture)
from tisheng.communities.tests.test_pairing import pair, rural  # noqa: F401 (fixtures)
from tisheng.ledger.models import ImportedHoursDeclaration
from tisheng.ledger.tests.conftest import enrolled_2  # noqa: F401 (fixture)
from tisheng.ledger.tests.test_declarations import PNG
from tisheng.monitoring.services import exports
from tisheng.monitoring.tests.test_exports import make_progress
from tisheng.people.models import RosterImport
from tisheng.people.tests.test_roster_helpers import row_cells, xlsx_bytes
from tisheng.practice import services as practice
from tisheng.practice.models import PointChoice, Submission
from tisheng.practice.services.evidence import small_docx, small_pdf
from tisheng.practice.tests.conftest import catalogue, chosen, plan  # noqa: F401 (fixtures)
from tisheng.resources.models import Resource
from tisheng.resources.services import library
from tisheng.resources.tests.conftest import graded_evidence  # noqa: F401 (fixture)
from tisheng.supervision.models import EvidenceFile
from tisheng.supervision.tests.conftest import inspection_a, inspector, numbers, round_  # noqa: F401 (fixtures)

UNWRITABLE = "文件保存失败：存储不可写，请联系管理员。"
PDF = small_pdf("存储测试")

pytestmark = pytest.mark.django_db


@dataclass
class Uploaded:
    client: Client
    url: str  # the download view
    content: bytes


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def evidence(request, world) -> Uploaded:
    program = request.getfixturevalue("program_2")
    request.getfixturevalue("chosen")
    choice = PointChoice.objects.get(program=program, teacher=world.teacher, point__code="A5")
    content = small_docx("课堂导入，学生兴趣浓厚。")
    submission = practice.submission_upload(
        actor=world.teacher.user, teacher=world.teacher, program=program,
        task=choice.point_version.tasks.get(title="教学反思"), upload=SimpleUploadedFile("反思.docx", content))
    return Uploaded(_client(world.teacher.user),
                    reverse("practice:evidence_file", args=[submission.pk]) + "?download=1", content)


def declaration(request, world) -> Uploaded:
    program = request.getfixturevalue("program_2")
    request.getfixturevalue("enrolled_2")
    client = _client(world.teacher.user)
    response = client.post(reverse("ledger:declaration_new"), {
        "program": program.pk, "platform": "国家智慧教育平台", "title": "2024年寒假教师研修", "hours": "8",
        "certificate": SimpleUploadedFile("cert.png", PNG, content_type="image/png")}, follow=True)
    if UNWRITABLE in response.content.decode():
        raise ValidationError(UNWRITABLE)
    pk = ImportedHoursDeclaration.objects.get().pk
    return Uploaded(_client(world.county_officer), reverse("ledger:declaration_file", args=[pk]), PNG)


def export(request, world, monkeypatch) -> Uploaded:
    from tisheng.jobs.models import Job, JobState
    from tisheng.jobs.services import jobs_run_pending

    program = request.getfixturevalue("program_1")
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    make_progress(world, program)
    client = _client(world.province_officer)
    client.get("/monitoring/export/teachers.xlsx", {"program": program.pk})
    jobs_run_pending()
    job = Job.objects.filter(kind=exports.EXPORT_JOB).latest("id")
    if job.state != JobState.DONE:
        raise ValidationError(job.error)
    return Uploaded(client, reverse("monitoring:export_download", args=[job.pk]), b"PK\x03\x04")


def roster(request, world) -> Uploaded:
    content = xlsx_bytes([row_cells(seq=1)])
    client = _client(world.county_officer)
    response = client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)})
    if response.status_code == 503:
        raise ValidationError(UNWRITABLE)
    roster_import = RosterImport.objects.get()
    # No download of the uploaded roster itself: its error report reads it back from the store.
    return Uploaded(client, reverse("people:roster_import_detail", args=[roster_import.pk]), content)


def assignment(request, world) -> Uploaded:
    setup = request.getfixturevalue("assignment_world")
    teacher = world.teacher  # a member of the class
    submission = assignments.submission_save(
        actor=teacher.user, assignment=_assignment(setup), teacher=teacher,
        upload=SimpleUploadedFile("设计.pdf", PDF, content_type="application/pdf"))
    return Uploaded(_client(teacher.user), reverse("communities:submission_file", args=[submission.pk]), PDF)


def pairing(request, world) -> Uploaded:
    the_pair = request.getfixturevalue("pair")
    activity = pairing_services.activity_log(
        actor=world.principal, pair=the_pair, kind="sync_class", title="同步课堂：认识钟表",
        held_on=timezone.localdate() - dt.timedelta(days=3),
        upload=SimpleUploadedFile("课堂记录.pdf", PDF, "application/pdf"))
    return Uploaded(_client(world.principal), reverse("communities:pair_evidence", args=[activity.pk]), PDF)


def supervision(request, world) -> Uploaded:
    inspection = request.getfixturevalue("inspection_a")
    client = _client(request.getfixturevalue("inspector"))
    first = inspection.round.indicators[0]["code"]
    data = {f"grade_{i['code']}": "good" for i in inspection.round.indicators}
    data[f"files_{first}"] = SimpleUploadedFile("现场.pdf", PDF, "application/pdf")
    response = client.post(reverse("supervision:inspection_findings", args=[inspection.pk]), data, follow=True)
    if UNWRITABLE in response.content.decode():
        raise ValidationError(UNWRITABLE)
    return Uploaded(client, reverse("supervision:file", args=[EvidenceFile.objects.get().pk]), PDF)


def resource(request, world) -> Uploaded:
    content = small_docx("《认识时间》教学设计")
    r = library.resource_create(actor=world.principal, unit_path=world.school_a.path, unit_kind="school", kind="design",
                                title="《认识时间》教学设计", uploads=[("main", SimpleUploadedFile("设计.docx", content))])
    return Uploaded(_client(world.principal), reverse("resources:file", args=[r.files.get().pk]) + "?download=1",
                    content)


def contributed_resource(request, world) -> Uploaded:
    submission = request.getfixturevalue("graded_evidence")  # stored in the object store first
    with practice_evidence_bytes(submission) as content:
        r = library.resource_contribute_evidence(actor=world.teacher.user, submission=submission, consent=True,
                                                 kind="case")
    return Uploaded(_client(world.teacher.user), reverse("resources:file", args=[r.files.get().pk]) + "?download=1",
                    content)


class practice_evidence_bytes:  # noqa: N801 - reads as the context it is
    def __init__(self, submission: Submission) -> None:
        from tisheng.core import storage_files
        from tisheng.practice.services.evidence import submission_name

        with storage_files.open(submission_name(submission)) as f:
            self.content = f.read()

    def __enter__(self) -> bytes:
        return self.content

    def __exit__(self, *exc) -> None:
        return None


KINDS = {"evidence": (evidence, Submission), "declaration": (declaration, ImportedHoursDeclaration),
         "export": (export, None), "roster": (roster, RosterImport),
         "assignment": (assignment, AssignmentSubmission), "pairing": (pairing, PairActivity),
         "supervision": (supervision, EvidenceFile), "resource": (resource, Resource)}


@pytest.mark.parametrize("kind", [*KINDS, "contributed_resource"])
def test_each_kind_of_file_is_stored_in_the_object_store_and_downloaded_through_a_signed_url(
        request, world, s3, monkeypatch, kind):
    make = contributed_resource if kind == "contributed_resource" else KINDS[kind][0]
    uploaded = make(request, world, monkeypatch) if make is export else make(request, world)

    response = uploaded.client.get(uploaded.url)

    if kind == "roster":  # the preview's commit button shows only while its file is in the store
        assert 'data-testid="commit-all"' in response.content.decode()
        return
    assert response.status_code == 302, response.content[:200]
    assert "X-Amz-Signature=" in response["Location"]
    fetched = requests.get(response["Location"], timeout=5)
    assert fetched.status_code == 200
    assert fetched.content.startswith(uploaded.content)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_store_that_is_down_is_the_clear_message_and_no_row_points_at_a_missing_file(
        request, world, dead_store, monkeypatch, kind):
    make, model = KINDS[kind]

    with pytest.raises(ValidationError) as raised:
        make(request, world, monkeypatch) if make is export else make(request, world)

    assert UNWRITABLE in str(raised.value)
    if model is not None:
        assert not model.objects.exists()


def _keys(s3) -> list[str]:
    import boto3

    client = boto3.client("s3", endpoint_url=s3, aws_access_key_id="tisheng-test",
                          aws_secret_access_key="tisheng-test-secret", region_name="us-east-1")
    return [o["Key"] for o in client.list_objects_v2(Bucket="tisheng-private").get("Contents", [])]


def test_evidence_whose_rows_roll_back_after_it_reached_the_store_leaves_no_object(
        request, world, s3, monkeypatch):
    from tisheng.supervision import services as supervision_services

    inspection = request.getfixturevalue("inspection_a")
    first = inspection.round.indicators[0]["code"]
    before = _keys(s3)

    def audit_down(*args, **kwargs):
        raise RuntimeError("the audit row could not be written")

    monkeypatch.setattr(supervision_services, "audit", audit_down)
    with pytest.raises(RuntimeError):
        supervision_services.findings_record(
            actor=request.getfixturevalue("inspector"), inspection=inspection,
            entries=[{"indicator": first, "grade": "good", "comment": ""}],
            files={first: [SimpleUploadedFile("现场.pdf", PDF, "application/pdf")]})

    assert not EvidenceFile.objects.exists()
    assert _keys(s3) == before


def test_supervision_evidence_whose_object_is_gone_from_the_store_is_the_clear_404_page(request, world, s3):
    import boto3

    uploaded = supervision(request, world)
    row = EvidenceFile.objects.get()
    boto3.client("s3", endpoint_url=s3, aws_access_key_id="tisheng-test", aws_secret_access_key="tisheng-test-secret",
                 region_name="us-east-1").delete_object(Bucket="tisheng-private", Key=f"supervision/{row.file_name}")

    response = uploaded.client.get(uploaded.url)

    assert response.status_code == 404
    assert "文件已不存在" in response.content.decode()


def _heads() -> list[str]:
    """The HEAD requests the app's store client sends from now on (botocore's event hook)."""
    from tisheng.core import storage_files

    sent: list[str] = []
    client = storage_files.private_storage().connection.meta.client
    client.meta.events.register("before-parameter-build.s3.HeadObject", lambda params, **kw: sent.append(params["Key"]))
    return sent


@pytest.mark.parametrize("download", [True, False])
def test_a_resource_download_asks_the_store_once_whether_the_file_is_there(request, world, s3, download):
    uploaded = resource(request, world)
    heads = _heads()

    response = uploaded.client.get(uploaded.url if download else uploaded.url.replace("?download=1", ""))

    assert response.status_code == 302
    assert len(heads) == 1


def test_a_resource_whose_object_is_gone_is_the_clear_404_page_after_one_head(request, world, s3):
    import boto3

    uploaded = resource(request, world)
    name = library.file_name(Resource.objects.get().files.get())
    boto3.client("s3", endpoint_url=s3, aws_access_key_id="tisheng-test", aws_secret_access_key="tisheng-test-secret",
                 region_name="us-east-1").delete_object(Bucket="tisheng-private", Key=name)
    heads = _heads()

    response = uploaded.client.get(uploaded.url)

    assert response.status_code == 404
    assert "文件已不存在" in response.content.decode()
    assert len(heads) == 1
