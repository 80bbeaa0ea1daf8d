"""Certificates issued per second on one core: check + number + sign + store + render the PDF.

Creates a throwaway program with N approved enrollments (default 500) in one county, then
issues the program's certificate to each through `certificate_issue` and renders its PDF
(`render_certificate_pdf`, what a download does), in this one process. Everything runs in a
transaction that is rolled back afterwards, so the benchmark leaves the database as it found
it. Prints `certificates_per_second=…` (the issue asks for ≥ 50).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from tisheng.certificates.pdf import font_name, render_certificate_pdf  # noqa: E402
from tisheng.certificates.services import certificate_issue  # noqa: E402
from tisheng.core import idcard  # noqa: E402
from tisheng.orgs.models import Region, RegionLevel, School  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402
from tisheng.programs.models import Enrollment, Program  # noqa: E402
from tisheng.programs.rules import MOE_2019  # noqa: E402


class Rollback(Exception):
    pass


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    path = code if parent is None else f"{parent.path}/{code}"
    return Region.objects.get_or_create(code=code, defaults=dict(name=name, level=level, parent=parent, path=path))[0]


def setup(n: int) -> list[Enrollment]:
    province = _region("35", "福建省", RegionLevel.PROVINCE, None)
    city = _region("3501", "福州市", RegionLevel.CITY, province)
    county = _region("350102", "鼓楼区", RegionLevel.COUNTY, city)
    school = School.objects.filter(county=county).first() or School.objects.create(
        code="3501029999", name="基准测试学校", county=county, path=f"{county.path}/3501029999", stage="primary")
    program = Program.objects.create(code="bench-certificates", name="提升工程2.0（基准测试）", status="active",
                                     start_date=dt.date(2024, 9, 1), end_date=dt.date(2029, 8, 31),
                                     reference_date=dt.date(2024, 9, 1), rules=MOE_2019)
    teachers = []
    for i in range(n):
        t = Teacher(name=f"测试教师{i}", school=school, org_path=school.path, stage="primary", subject="语文")
        t.set_national_id(idcard.make("350102", dt.date(1975 + i % 20, 1 + i % 12, 1 + i % 28), 500 + i % 400))
        t.id_hash = f"bench-{i}-{t.id_hash}"[:64]  # never collides with a real teacher's hash
        teachers.append(t)
    Teacher.objects.bulk_create(teachers)
    teachers = list(Teacher.objects.filter(id_hash__startswith="bench-").order_by("id"))
    Enrollment.objects.bulk_create([
        Enrollment(program=program, teacher=t, school=school, org_path=t.org_path, state="approved",
                   online_hours=Decimal("24"), practice_hours=Decimal("30"), total_hours=Decimal("54"))
        for t in teachers
    ])
    return list(Enrollment.objects.filter(program=program).select_related("teacher", "program").order_by("id"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    font_name()
    print(f"font_registration_seconds={time.perf_counter() - started:.3f}")
    result = {}
    try:
        with transaction.atomic():
            enrollments = setup(args.n)
            issuers: dict = {}
            size = 0
            started = time.perf_counter()
            for enrollment in enrollments:
                certificate = certificate_issue(actor=None, enrollment=enrollment, code="completion", issuers=issuers)
                size += len(render_certificate_pdf(certificate))
            elapsed = time.perf_counter() - started
            result = {"n": len(enrollments), "seconds": elapsed, "bytes": size}
            raise Rollback
    except Rollback:
        pass
    n, seconds = result["n"], result["seconds"]
    print(f"certificates={n} seconds={seconds:.2f} pdf_kib_avg={result['bytes'] / n / 1024:.1f}")
    print(f"certificates_per_second={n / seconds:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
