"""The daily store sweep (core/storage_sweep.py) over a synthetic folder at scale: local file storage,
200,000 stored files that 200,000 rows name, and 1,000 orphans past the grace period.

The rows are export jobs (jobs.Job, kind monitoring.export, result {"file": …}), the folder is
exports/ (a real registration: monitoring reads the JSON key through the same streamed Column every
app uses), laid out as evidence is, `--per-folder` files to a subfolder (evidence/<program>/<teacher>/;
`--per-folder 0`: all in exports/ itself, as real exports are, where the local walk holds the one
folder's listing whole); the files are empty and two days old, in a temporary PRIVATE_MEDIA_ROOT
removed at the end. The whole sweep() is timed (every registered folder; the others are empty): wall time, this
process's CPU, the database cluster's CPU when it runs here, and the process's peak RSS over the
sweep (VmHWM, reset before it through /proc/self/clear_refs) beside its RSS before. `--compare`
runs the sweep of commit cdbd5d3 (the listing and the referenced names held whole), or of `--before
REV`, on the same folder afterwards, with the orphans made again (the apps' Columns are made again
from that commit's Column class, so its way of reading them is what runs). `--pgbouncer` reads as
under TISHENG_DB_POOLER=pgbouncer (DISABLE_SERVER_SIDE_CURSORS: `.iterator()` fetches a whole result
into the client at once; no PgBouncer is needed for that). On PostgreSQL the plan of one page of the
exports' references is printed (`store_sweep_page_plan=…`): a walk of the pk index, no sort.

    scripts/pg.sh with .venv/bin/python bench/bench_store_sweep.py [--files 200000] [--compare] [--pgbouncer]
    BENCH_STEPS=store_sweep scripts/pg.sh with .venv/bin/python bench/run.py

Prints `store_sweep_seconds=… store_sweep_peak_rss_mb=… …`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402
import prometheus_client  # noqa: E402

django.setup()

from cpu_clock import cluster_cpu, postmaster_pid  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tisheng.core import storage_sweep  # noqa: E402
from tisheng.jobs.models import Job, JobState  # noqa: E402
from tisheng.monitoring.services.exports import EXPORT_DIR, EXPORT_JOB  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "cdbd5d3"  # the sweep before it streamed


def status(field: str) -> float:
    """A /proc/self/status figure in MB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux 4.0+)


def make_files(root: Path, names: list[str], when: float) -> None:
    for name in names:
        path = root / name
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.utime(path, (when, when))


def measure(label: str, sweep) -> dict:
    gc.collect()
    rss = status("VmRSS")
    reset_peak()
    load = os.getloadavg()
    postmaster = postmaster_pid(connection)
    cpu, db_cpu, started = time.process_time(), cluster_cpu(postmaster), time.monotonic()
    result = sweep()
    seconds = time.monotonic() - started
    figures = {"seconds": round(seconds, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
               "db_cpu_seconds": round(cluster_cpu(postmaster) - db_cpu, 2),
               "rss_before_mb": round(rss, 1), "peak_rss_mb": round(status("VmHWM"), 1),
               "peak_over_before_mb": round(status("VmHWM") - rss, 1), "removed": result["removed"],
               "kept": result["kept"], "load": " ".join(f"{x:.2f}" for x in load)}
    print(" ".join(f"{label}_{key}={value}" if key != "load" else f"{label}_load_1_5_15={value.replace(' ', '/')}"
                   for key, value in figures.items()), flush=True)
    return figures


def old_sweep_module(rev: str = BEFORE) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{rev}:tisheng/core/storage_sweep.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("storage_sweep_before")
    sys.modules[module.__name__] = module  # a dataclass in it looks its module up
    counter = prometheus_client.Counter
    prometheus_client.Counter = lambda *args, **kwargs: storage_sweep.SWEPT  # one metric name per registry
    try:
        exec(compile(source, "storage_sweep_before.py", "exec"), module.__dict__)  # noqa: S102 - our file, at a commit
    finally:
        prometheus_client.Counter = counter
    old_column = getattr(module, "Column", None)

    def then(reader):
        if old_column is not None and isinstance(reader, storage_sweep.Column):
            return old_column(reader.model, reader.field, reader.prefix, reader.filters)
        return reader

    module.REFERENCES.update({folder: [then(reader) for reader in readers]
                              for folder, readers in storage_sweep.REFERENCES.items()})
    return module


def page_plan() -> str:
    """The plan of one keyset page of the exports' references, past the first (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return ""
    rows = Job.objects.filter(kind=EXPORT_JOB).order_by("pk").values_list("pk", "result__file")
    first = rows.values_list("pk", flat=True)[storage_sweep.REFERENCE_CHUNK]
    page = rows.filter(pk__gt=first)[:storage_sweep.REFERENCE_CHUNK]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return " | ".join(line for (line,) in cursor.fetchall())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--orphans", type=int, default=1_000)
    parser.add_argument("--per-folder", type=int, default=1000)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--before", default=BEFORE, help="the commit --compare runs the sweep of")
    parser.add_argument("--pgbouncer", action="store_true",
                        help="no server-side cursors, as TISHENG_DB_POOLER=pgbouncer (DISABLE_SERVER_SIDE_CURSORS)")
    args = parser.parse_args(argv)
    if args.pgbouncer:
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    call_command("migrate", verbosity=0)
    root = Path(tempfile.mkdtemp(prefix="tisheng-sweep-bench-", dir=os.getenv("BENCH_TMP")))
    settings.PRIVATE_MEDIA_ROOT = root
    try:
        (root / EXPORT_DIR).mkdir(mode=0o700)
        Job.objects.filter(kind=EXPORT_JOB).delete()
        day = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)
        names = [f"{EXPORT_DIR}/{f'{i // args.per_folder}/' if args.per_folder else ''}{i}-teachers-20261205.xlsx"
                 for i in range(1, args.files + 1)]
        for folder in {Path(name).parent for name in names}:
            (root / folder).mkdir(mode=0o700, exist_ok=True)
        started = time.monotonic()
        for at in range(0, len(names), 5000):
            Job.objects.bulk_create([Job(kind=EXPORT_JOB, state=JobState.DONE, args={"table": "teachers"},
                                         result={"file": name, "rows": 10}, finished_at=day)
                                     for name in names[at:at + 5000]])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE jobs_job")  # as autovacuum does after a bulk insert: the plans see the rows
        old = time.time() - 2 * 86400
        make_files(root, names, old)
        orphans = [f"{EXPORT_DIR}/orphan-{i}.xlsx" for i in range(args.orphans)]
        make_files(root, orphans, old)
        print(f"bench_store_sweep: {args.files} rows and files, {args.orphans} orphans made in "
              f"{time.monotonic() - started:.0f} s under {root}", flush=True)
        del names
        if plan := page_plan():
            print(f"store_sweep_page_plan={plan}", flush=True)
        print(f"store_sweep_server_side_cursors={'off' if connection.settings_dict.get('DISABLE_SERVER_SIDE_CURSORS') else 'on'}",
              flush=True)
        now = measure("store_sweep", storage_sweep.sweep)
        ok = now["removed"] == args.orphans and now["kept"] >= args.files
        if args.compare:
            make_files(root, orphans, old)
            before = measure("store_sweep_before", old_sweep_module(args.before).sweep)
            ok = ok and before["removed"] == args.orphans
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
        Job.objects.filter(kind=EXPORT_JOB).delete()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
