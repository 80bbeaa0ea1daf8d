"""Time of a 100,000-row roster import against openpyxl's read-only parse of the same file.

Generates a deterministic .xlsx (openpyxl write-only) for existing schools (creating ~3,000
schools in bulk when the database has none), times openpyxl read-only iterating every cell,
then the full import (parse + validate + apply, all-or-nothing) on DATABASE_URL. The import
runs in a transaction that is rolled back afterwards (unless --keep), so the benchmark can be
rerun and leaves the database as it found it, apart from the schools it may have created.
Prints `import_100k_seconds=… openpyxl_parse_seconds=… ratio=…`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from tisheng.core import idcard  # noqa: E402
from tisheng.orgs.models import Region, RegionLevel, School, Stage, school_path  # noqa: E402
from tisheng.people.models import RosterImport  # noqa: E402
from tisheng.people.services.roster import CANONICAL_HEADERS  # noqa: E402
from tisheng.people.services.roster_import import roster_file_run  # noqa: E402

SCHOOLS = 3000
STAGES = ("小学", "初中", "高中", "幼儿园")
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "音乐", "体育", "美术", "信息技术")
TITLES = ("高级教师", "一级教师", "二级教师", "三级教师", "未定级")


def ensure_schools() -> list[tuple[str, str]]:
    """(school code, county code) of up to SCHOOLS schools, created in bulk if there are none."""
    schools = list(School.objects.order_by("code").values_list("code", "county__code")[:SCHOOLS])
    if schools:
        return schools
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    if not counties:
        with contextlib.suppress(Exception):  # another engineer's command; else our own regions below
            call_command("load_regions", verbosity=0, stdout=io.StringIO())
        counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    if not counties:
        province = Region.objects.get_or_create(code="35", defaults=dict(name="福建省", level=RegionLevel.PROVINCE,
                                                                         path="35"))[0]
        city = Region.objects.get_or_create(code="3598", defaults=dict(name="基准市", level=RegionLevel.CITY,
                                                                       parent=province, path="35/3598"))[0]
        Region.objects.bulk_create([
            Region(code=f"3598{n:02d}", name=f"基准县{n}", level=RegionLevel.COUNTY, parent=city,
                   path=f"{city.path}/3598{n:02d}") for n in range(1, 31)
        ], ignore_conflicts=True)
        counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    new = []
    for n in range(SCHOOLS):
        county = counties[n % len(counties)]
        code = f"{county.code}{9000 + n // len(counties):04d}"
        new.append(School(code=code, name=f"基准学校{n}", county=county, path=school_path(county.path, code),
                          stage=Stage.PRIMARY))
    School.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return list(School.objects.order_by("code").values_list("code", "county__code")[:SCHOOLS])


def generate(path: Path, rows: int, schools: list[tuple[str, str]]) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(CANONICAL_HEADERS))
    base = dt.date(1966, 1, 1)
    for i in range(rows):
        code, county = schools[i % len(schools)]
        prefix = county if len(county) == 6 else "350102"
        # (birth day, sequence) unique per row; high sequence numbers keep clear of seeded IDs.
        national_id = idcard.make(prefix, base + dt.timedelta(days=i % 12000), 900 + i // 12000)
        sheet.append([
            f"教师{i:06d}", national_id, f"170{i:08d}", code, STAGES[i % 4], SUBJECTS[i % len(SUBJECTS)],
            TITLES[i % len(TITLES)], f"{1985 + i % 38}-{1 + i % 12:02d}", "在职" if i % 50 else "退休",
        ])
    workbook.save(path)


def openpyxl_parse(path: Path) -> float:
    t0 = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = 0
    for row in workbook.active.iter_rows(values_only=True):
        for _value in row:
            cells += 1
    workbook.close()
    return time.perf_counter() - t0


class Rollback(Exception):
    pass


def run_import(path: Path, keep: bool) -> tuple[float, RosterImport | None, int]:
    content_path = path
    t0 = time.perf_counter()
    outcome = None
    try:
        with transaction.atomic():
            outcome = roster_file_run(actor=None, content=content_path.read_bytes(), filename=path.name,
                                      mode=RosterImport.Mode.ALL_OR_NOTHING)
            elapsed = time.perf_counter() - t0
            if not keep:
                raise Rollback
    except Rollback:
        pass
    return elapsed, outcome, len(outcome.errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=int(os.getenv("BENCH_IMPORT_ROWS", "100000")))
    parser.add_argument("--keep", action="store_true", help="commit the import instead of rolling it back")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    schools = ensure_schools()
    path = Path(tempfile.gettempdir()) / f"tisheng-bench-roster-{args.rows}.xlsx"
    t0 = time.perf_counter()
    generate(path, args.rows, schools)
    print(f"bench_import: {args.rows} rows, {len(schools)} schools, {connection.vendor}, "
          f"file {path.stat().st_size / 1e6:.1f} MB generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    parse_seconds = openpyxl_parse(path)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    import_seconds, outcome, errors = run_import(path, args.keep)
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    counts = outcome.counts
    print(f"bench_import: created={counts.created} updated={counts.updated} transferred={counts.transferred} "
          f"unchanged={counts.unchanged} errors={errors} committed={outcome.committed}", file=sys.stderr)
    label = "import_100k_seconds" if args.rows == 100_000 else f"import_{args.rows}_seconds"
    print(f"{label}={import_seconds:.2f} openpyxl_parse_seconds={parse_seconds:.2f} "
          f"ratio={import_seconds / parse_seconds:.2f}")
    return 0 if errors == 0 and outcome.committed else 1


if __name__ == "__main__":
    sys.exit(main())
