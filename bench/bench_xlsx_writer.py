"""The shared .xlsx writer (tisheng/core/tabular.XlsxBook) against openpyxl's write-only mode, which
it used before, on the same rows in the same run: a county's 职称 training sheet (name, masked
ID, date, training, source, category, level, hours as a Decimal, verification, certificate
number), BENCH_XLSX_ROWS lines (default 50,000: a county of 8,000 teachers). Both write through
`cell_value` (the formula guard), as every export does. Prints CPU seconds and wall seconds of
each, the ratio, the file sizes, and this process's peak memory after each (ru_maxrss grows only,
so the writer measured first is the baseline's).

    .venv/bin/python bench/bench_xlsx_writer.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook, load_workbook  # noqa: E402 - the baseline, as XlsxBook wrote before

from tisheng.core.tabular import BOLD, XlsxBook, cell_value  # noqa: E402

ROWS = int(os.getenv("BENCH_XLSX_ROWS", "50000"))
HEADER = ["姓名", "身份证号", "日期", "培训名称", "来源", "类别", "级别", "学时", "核验", "证书编号"]


def rows():
    day = dt.date(2022, 9, 1)
    for n in range(ROWS):
        yield [f"教师{n % 8000}", f"3501**********{n % 10000:04d}", day + dt.timedelta(days=n % 1500),
               f"信息技术应用能力提升工程2.0 校本研修专题 第{n % 40}讲", "国家智慧教育平台", "网络研修", "省级",
               Decimal(n % 12) / 2, "已核验", f"FJ2024{n:08d}"]


def openpyxl_write_only() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="培训记录")
    sheet.append(HEADER)
    for row in rows():
        sheet.append([cell_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_book() -> bytes:
    book = XlsxBook(title="培训记录", widths=[10, 22, 12, 36, 28, 16, 10, 8, 10, 20])
    book.append(HEADER, font=BOLD)
    for row in rows():
        book.append(row)
    return book.to_bytes()


def measure(name: str, write) -> tuple[float, bytes]:
    cpu, wall = time.process_time(), time.perf_counter()
    content = write()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench_xlsx_writer: {name}: {ROWS} rows, {cpu:.2f} s CPU, {wall:.2f} s wall, "
          f"{len(content) / 1e6:.1f} MB, peak RSS so far {peak_mb:.0f} MB", flush=True)
    return cpu, content


def main() -> int:
    baseline, before = measure("openpyxl write-only (before)", openpyxl_write_only)
    now, after = measure("XlsxBook (xlsxwriter, constant memory)", xlsx_book)
    # The same cells either way: the last line read back.
    last = [list(load_workbook(io.BytesIO(c), read_only=True).worksheets[0].iter_rows(values_only=True))[-1]
            for c in (before, after)]
    if last[0] != last[1]:
        print(f"bench_xlsx_writer: the two files differ: {last}", file=sys.stderr)
        return 1
    print(f"xlsx_rows={ROWS} xlsx_openpyxl_cpu_s={baseline:.2f} xlsx_book_cpu_s={now:.2f} "
          f"xlsx_speedup={baseline / now:.2f} load_average={os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
