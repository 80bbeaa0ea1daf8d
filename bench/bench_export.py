"""An export of 10,000 teachers' progress to .xlsx (issue 7, "Numbers": under 10 s), on the
database bench_completion.py prepared (program "bench-completion", the province enrolled).

The province office exports the teachers table of the smallest region holding at least 10,000
enrollments of the program (the province itself at small scales), cut at 10,000 rows; timed end
to end: the scoped query, the masked IDs, the .xlsx written in write-only mode and saved under
PRIVATE_MEDIA_ROOT/exports/, as the background job does. Prints `export_10000_seconds=…`.

    scripts/pg.sh with .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from bench_completion import PROGRAM_CODE  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import translation  # noqa: E402

from tisheng.accounts.models import User  # noqa: E402
from tisheng.monitoring.exports import get_table  # noqa: E402
from tisheng.monitoring.services.exports import export_write  # noqa: E402
from tisheng.orgs.models import Region  # noqa: E402
from tisheng.programs.models import Enrollment, Program  # noqa: E402


def region_with_at_least(program: Program, rows: int) -> Region:
    """The smallest city or county with at least `rows` enrollments, else the province."""
    best = None
    for level, width in (("county", 6), ("city", 4)):
        counts = (Enrollment.objects.filter(program=program).order_by()
                  .values_list("org_path").annotate(n=Count("pk")))
        per_region: dict[str, int] = {}
        depth = 3 if level == "county" else 2
        for path, n in counts.iterator():
            key = "/".join(path.split("/")[:depth])
            per_region[key] = per_region.get(key, 0) + n
        fitting = sorted((n, p) for p, n in per_region.items() if n >= rows and len(p.rsplit("/", 1)[-1]) == width)
        if fitting:
            best = fitting[0][1]
            break
    return Region.objects.get(path=best) if best else Region.objects.get(level="province")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    program = Program.objects.filter(code=PROGRAM_CODE).first()
    if program is None:
        sys.exit("bench_export: run bench_completion.py first (it enrolls the province)")
    actor = User.objects.get(phone="13800000001")  # the province office
    region = region_with_at_least(program, args.rows)
    table = get_table("teachers")
    target = Path(settings.PRIVATE_MEDIA_ROOT) / "exports" / "bench-export.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)

    with translation.override("zh-hans"):
        started = time.monotonic()
        source = table.source(actor, {"program": str(program.pk), "node": region.path})
        total = min(source.count(), args.rows)
        every_row = source.rows
        source.rows = lambda: itertools.islice(every_row(), total)
        with target.open("wb") as out:
            written = export_write(table, source, actor, out, rows=total)
        seconds = time.monotonic() - started
    size = target.stat().st_size
    target.unlink()
    print(f"export_{args.rows}_seconds={seconds:.2f} rows={written} node={region.path} bytes={size}")
    return 0 if written == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
