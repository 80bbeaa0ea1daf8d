import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

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


class Served:
    pass


@pytest.fixture
def served(world, program_1):
    """Two institutions contracted for city A (福州) in program_1, each with a course; the three
    county-A teachers enrolled and all three selected course A1 (two finished it, credited by
    playback) and teacher 0 also selected course B1 (unfinished)."""
    from decimal import Decimal

    from tisheng.learning.models import CourseSelection
    from tisheng.learning.tests.factories import contract, course, enroll, institution
    from tisheng.ledger.services import ledger_credit

    s = Served()
    s.program = program_1
    s.inst_a, s.staff_a = institution(world, "INSTA", "闽江教育培训中心", "13600000011")
    s.inst_b, s.staff_b = institution(world, "INSTB", "海西教师研修院", "13600000012")
    contract(program_1, s.inst_a, world.province)
    contract(program_1, s.inst_b, world.province)
    s.contract_a = contract(program_1, s.inst_a, world.city_a)
    s.contract_b = contract(program_1, s.inst_b, world.city_a)
    s.course_a = course(program_1, s.inst_a, "A1", hours="10", title="信息技术与课堂教学融合")
    s.course_b = course(program_1, s.inst_b, "B1", hours="6", title="微课设计与制作")
    s.teachers = world.teachers_a
    enroll(program_1, *s.teachers)
    now = timezone.now()
    s.selections = [CourseSelection.objects.create(teacher=t, program=program_1, course=s.course_a,
                                                   selected_at=now - dt.timedelta(days=10)) for t in s.teachers]
    CourseSelection.objects.create(teacher=s.teachers[0], program=program_1, course=s.course_b,
                                   selected_at=now - dt.timedelta(days=3))
    for n, t in enumerate(s.teachers[:2]):
        ledger_credit(teacher=t, program=program_1, category="online", hours=Decimal("10"), source_kind="course",
                      source_id=str(s.course_a.pk), granted_by_system="playback",
                      at=now - dt.timedelta(days=10 - 4 * (n + 1)))
    return s
