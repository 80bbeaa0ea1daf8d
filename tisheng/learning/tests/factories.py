"""Catalogue test data: institutions with users, contracts, published courses with lessons,
enrollments (as the rollout makes them)."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

from tisheng.accounts.models import RoleAssignment
from tisheng.learning.models import Contract, Course, Lesson
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.people.tests.factories import UserFactory
from tisheng.programs.models import Enrollment


def institution(world, code: str, name: str, phone: str):
    """A training institution attached to the province, with one user holding its role."""
    org = OrganizationFactory(code=code, name=name, kind="institution", region=world.province)
    user = UserFactory(name=f"{name}管理员", phone=phone)
    RoleAssignment.objects.create(user=user, role="institution", organization=org)
    return org, user


def contract(program, org, region) -> Contract:
    return Contract.objects.create(program=program, institution=org, region=region, region_path=region.path)


def course(program, org, code: str, *, hours: str = "10", topics=("T1",), micro_abilities=(), subjects=("语文",),
           stages=("primary",), lessons: int = 2, status: str = "published", title: str | None = None) -> Course:
    c = Course.objects.create(institution=org, program=program, code=code, title=title or f"课程{code}",
                              hours=Decimal(hours), topics=list(topics), micro_abilities=list(micro_abilities),
                              subjects=list(subjects), stages=list(stages), status=status)
    for i in range(1, lessons + 1):
        Lesson.objects.create(course=c, order=i, title=f"第{i}讲", duration_seconds=600,
                              video_url=f"https://cdn.example.com/{code}/{i}.mp4")
    return c


def enroll(program, *teachers) -> list[Enrollment]:
    return [Enrollment.objects.create(program=program, teacher=t, school=t.school, org_path=t.org_path)
            for t in teachers]


def mp4_bytes(tmp_path, seconds: int) -> bytes:
    """A real H.264 MP4 of `seconds` (a blue picture at 1 fps, a few kB), made with ffmpeg."""
    import pytest

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (make system-deps)")
    path = tmp_path / f"video-{seconds}s.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i",  # noqa: S607 - fixed arguments
                    f"color=c=blue:s=64x36:r=1:d={seconds}", "-pix_fmt", "yuv420p", "-c:v", "libx264", str(path)],
                   check=True)
    return path.read_bytes()
