import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tisheng.diagnostics.models import MicroAbility
from tisheng.practice import services
from tisheng.practice.models import PointChoice, SchoolPlan
from tisheng.practice.services.evidence import small_docx, small_pdf

SCHEDULE = [{"date": "2025-03-12", "title": "希沃白板应用培训", "kind": "校本研修"}]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def catalogue(db):
    services.catalogue_load()


def approve_plan(world, program, school=None, environment="A") -> SchoolPlan:
    school = school or world.school_a
    plan = services.plan_save(actor=world.principal if school == world.school_a else world.outsider_principal,
                              school=school, program=program, goals="全员达标，课堂常态化应用",
                              environment=environment, research_topics=["技术支持的课堂导入"], training_schedule=SCHEDULE)
    services.plan_submit(actor=world.principal if school == world.school_a else world.outsider_principal, plan=plan)
    officer = world.county_officer if school.county_id == world.county_a.pk else world.outsider
    return services.plan_decide(actor=officer, plan=plan, approve=True)


@pytest.fixture
def plan(world, program_2, catalogue):
    """School A's approved plan (environment A) for 2.0."""
    return approve_plan(world, program_2)


@pytest.fixture
def assessor(world, program_2):
    """A teacher of school A named assessor of the team."""
    user = world.teachers_a[2].user
    services.team_member_add(actor=world.principal, school=world.school_a, program=program_2, user=user,
                             role="assessor")
    return user


CHOSEN = ["A1", "A5", "A10"]  # 学情分析, 学法指导, 学业评价


@pytest.fixture
def chosen(world, program_2, plan):
    """World's teacher chose A1, A5 and A10."""
    return services.choices_save(actor=world.teacher.user, teacher=world.teacher, program=program_2,
                                 point_codes=CHOSEN)


def upload_for(task, name="evidence") -> SimpleUploadedFile:
    """A small file of a kind the task accepts."""
    if "document" in task.kinds:
        return SimpleUploadedFile(f"{name}.docx", small_docx(f"{task.title}：我们用希沃白板开展课堂导入活动，学生兴趣浓厚。"))
    if "slides" in task.kinds:
        return SimpleUploadedFile(f"{name}.pdf", small_pdf(task.title))
    if "video" in task.kinds:
        return SimpleUploadedFile(f"{name}.mp4", MP4)
    return SimpleUploadedFile(f"{name}.png", PNG)


# A minimal MP4 header (ftyp box) and a 1×1 PNG: enough for a content sniffer.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082")


def submit_point(world, program, code: str):
    """World's teacher uploads evidence for every task of the chosen point; returns the
    current submissions."""
    choice = PointChoice.objects.select_related("point_version").get(program=program, teacher=world.teacher,
                                                                     point__code=code)
    return [services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program, task=task,
                                       upload=upload_for(task))
            for task in choice.point_version.tasks.all()]


def point(code: str) -> MicroAbility:
    return MicroAbility.objects.get(code=code)
