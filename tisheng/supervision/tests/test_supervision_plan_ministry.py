"""The filed province plan reaches the ministry: the province downloads the file of a filed
version, the national instance loads it (checked against the fingerprints recorded at filing)
and the national office reads it where its national view is; nobody else does."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.monitoring.national.models import ProvincePlanCopy
from tisheng.orgs.models import Region
from tisheng.people.tests.factories import UserFactory
from tisheng.supervision.plan import services
from tisheng.supervision.tests.test_supervision_plan import TEXTS, _post, platform  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry(db):
    root = Region.objects.create(code="00", name="全国", level="national", path="00")
    user = UserFactory(name="教育部教师工作司", phone="13700000099")
    RoleAssignment.objects.create(user=user, role="national_office", region=root)
    return user


def _filed_package(client, world):
    client.force_login(world.province_officer)
    _post(client)
    filing = services.plan_file(actor=world.province_officer, region=world.province)
    response = client.get(reverse("supervision:plan_filing", args=[filing.pk]), {"format": "json"})
    assert response.status_code == 200
    return filing, response.content


def test_the_ministry_loads_a_filed_plan_and_reads_it_with_its_files(client, world, platform, ministry):  # noqa: F811
    filing, package = _filed_package(client, world)
    assert world.province_officer.name.encode() not in package  # who filed stays in the province
    client.force_login(ministry)
    upload = SimpleUploadedFile(f"plan-35-v{filing.version}.json", package, "application/json")
    response = client.post(reverse("national:load"), {"reports": [upload]}, follow=True)
    assert "已载入 1 份省级规划方案" in response.content.decode()
    rows = response.context["plans"]
    assert [(r["province_name"], r["version"]) for r in rows] == [(world.province.name, 1)]
    page = client.get(reverse("national:plan", args=[world.province.code]))
    html = page.content.decode()
    assert TEXTS["text_goals"] in html
    assert filing.pdf_sha256 in html
    pdf = client.get(reverse("national:plan", args=[world.province.code]), {"format": "pdf"})
    assert pdf.content == bytes(filing.pdf)
    docx = client.get(reverse("national:plan", args=[world.province.code]), {"format": "docx", "version": "1"})
    assert docx.content == bytes(filing.docx)
    # The same file again changes nothing.
    client.post(reverse("national:load"), {"reports": [SimpleUploadedFile("again.json", package)]})
    assert ProvincePlanCopy.objects.count() == 1
    assert AuditLog.objects.filter(action="national.plan_load").count() == 1


def test_a_damaged_or_altered_plan_is_refused_and_a_filed_version_never_changes(client, world, platform,  # noqa: F811
                                                                               ministry):
    _filing, package = _filed_package(client, world)
    damaged = json.loads(package)
    damaged["pdf"] = base64.b64encode(b"%PDF-1.4 not the filed one").decode()
    client.force_login(ministry)
    response = client.post(reverse("national:load"), {"reports": [
        SimpleUploadedFile("bad.json", json.dumps(damaged).encode())]}, follow=True)
    assert "已损坏" in response.content.decode()
    assert not ProvincePlanCopy.objects.exists()
    client.post(reverse("national:load"), {"reports": [SimpleUploadedFile("ok.json", package)]})
    other = json.loads(package)
    other["docx"] = base64.b64encode(b"PK other").decode()
    other["docx_sha256"] = __import__("hashlib").sha256(b"PK other").hexdigest()
    response = client.post(reverse("national:load"), {"reports": [
        SimpleUploadedFile("other.json", json.dumps(other).encode())]}, follow=True)
    assert "不会更改" in response.content.decode()
    assert ProvincePlanCopy.objects.get().docx_sha256 == json.loads(package)["docx_sha256"]


def test_only_the_national_office_reads_the_provinces_plans(client, world, platform, ministry):  # noqa: F811
    _filing, package = _filed_package(client, world)
    client.force_login(ministry)
    client.post(reverse("national:load"), {"reports": [SimpleUploadedFile("ok.json", package)]})
    for user in (world.outsider, world.province_officer, world.county_officer):
        client.force_login(user)
        assert client.get(reverse("national:plan", args=[world.province.code])).status_code == 404
    client.force_login(world.outsider)
    assert client.get(reverse("supervision:plan_filing", args=[_filing.pk]), {"format": "json"}).status_code == 404
    client.force_login(ministry)
    assert client.get(reverse("national:plan", args=["36"])).status_code == 404
