import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import RoleAssignment
from tisheng.institutions.models import SelectionRound
from tisheng.institutions.services import selection as svc
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.people.tests.factories import UserFactory
from tisheng.practice.services.evidence import small_pdf

RUBRIC = {"criteria": [{"key": "c1", "label": "课程资源", "weight": 60, "max": 100},
                       {"key": "c2", "label": "服务团队", "weight": 40, "max": 100}]}


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


class Call:
    pass


def pdf_upload(name="资质.pdf"):
    return SimpleUploadedFile(name, small_pdf("资质证明"), content_type="application/pdf")


@pytest.fixture
def call(world, program_1):
    """An open province round (select 1–2) and two institutions with one account each."""
    c = Call()
    c.round = svc.round_create(actor=world.province_officer, program=program_1, region=world.province,
                               title="2026年承训机构遴选", rubric=RUBRIC, opens_on=today(), closes_on=today(),
                               review_ends_on=today() + dt.timedelta(days=20),
                               materials=svc.materials_from_lines("资质证明\n课程说明"), select_min=1, select_max=2)
    c.orgs, c.staff = [], []
    for code, name, phone in (("INST01", "福建师大继续教育学院", "13600000001"), ("INST02", "海峡教育科技公司", "13600000002")):
        org = OrganizationFactory(code=code, name=name, kind="institution", region=world.province)
        user = UserFactory(name=f"{name}管理员", phone=phone)
        RoleAssignment.objects.create(user=user, role="institution", organization=org)
        c.orgs.append(org)
        c.staff.append(user)
    return c


def apply_fully(call, n):
    application = svc.application_save(actor=call.staff[n], selection=call.round, statement="十年培训经验",
                                       courses_text="信息技术与课堂教学融合, 10, 小学\n微课设计, 6, 初中")
    for m in call.round.materials:
        svc.material_upload(actor=call.staff[n], application=application, key=m["key"], upload=pdf_upload())
    return svc.application_submit(actor=call.staff[n], application=application)


def close_window(call):
    past = today() - dt.timedelta(days=1)
    SelectionRound.objects.filter(pk=call.round.pk).update(opens_on=past - dt.timedelta(days=10), closes_on=past)
    call.round.refresh_from_db()
