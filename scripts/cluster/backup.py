"""Backups of the test cluster and the restore drill (issue 20, "Backups you can restore").

`scripts/cluster/backup [--type full|diff|incr]`: a pgBackRest backup taken from whichever node
is the primary (WAL is archived continuously by both nodes' archive_command), and beside it a
copy of the file store (var/cluster/files, tar + zstd, the last two kept).

`scripts/cluster/restore-drill`: proves a backup restores, to a point in time:
1. takes a backup when the repository has none (else uses the latest);
2. on the primary, in one snapshot, counts every table's rows and sums the ledger (entries,
   hours, hours per category), and writes a probe row "before"; notes the time T; then writes a
   probe row "after" (public.restore_drill_probe, a table of its own, no app data touched);
3. `pgbackrest check` switches and archives the WAL holding T;
4. restores into a scratch directory with --type=time --target=T, starts a scratch PostgreSQL
   on it (its own port, no archiving, no synchronous standby) and waits for recovery to end;
5. compares: every table's count, the ledger's totals, and the probes ("before" there, "after"
   not: the restore stopped at T, not at the end of the WAL); prints the seconds the restore
   and the recovery took, the database's size and the restore rate;
6. stops the scratch server and removes its directory. Exits 1 on any difference.

The topology must be up (`scripts/cluster/up`); the drill starts it itself when it is not, and
stops it again afterwards. Counts are taken while the cluster may be serving: writes that commit
between the snapshot and T would show as differences, so run the drill in a quiet minute (or
read the differences as such).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import topology as topo  # noqa: E402

PROBE = "restore_drill_probe"
FILE_COPIES_KEPT = 2


def say(line: str) -> None:
    print(f"restore-drill: {line}", flush=True)


def backup(kind: str = "incr") -> float:
    primary = topo.leader()
    if primary is None:
        raise SystemExit("backup: no primary (is the cluster up?)")
    started = time.monotonic()
    topo.backrest("backup", f"--type={kind}", node=primary)
    seconds = time.monotonic() - started
    files = topo.VAR / "files"
    copies = topo.VAR / "backrest-files"
    copies.mkdir(exist_ok=True)
    if files.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        subprocess.run(["tar", "--zstd", "-cf", str(copies / f"files-{stamp}.tar.zst"), "-C", str(files), "."],
                       check=True)
        for old in sorted(copies.glob("files-*.tar.zst"))[:-FILE_COPIES_KEPT]:
            old.unlink()
    return seconds


def has_backup() -> bool:
    out = topo.backrest("info", "--output=json")
    return '"backup":[]' not in out.replace(" ", "")


def source_figures(sql_port: str) -> tuple[dict[str, int], dict[str, str]]:
    """Row counts of every table in public and the ledger's totals, in one snapshot."""
    import psycopg

    with psycopg.connect(topo.pg_dsn(sql_port, user="postgres", dbname=topo.DB)) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()]
        counts = {}
        for table in tables:
            counts[table] = conn.execute(f'SELECT count(*) FROM public."{table}"').fetchone()[0]  # noqa: S608
        ledger = {}
        row = conn.execute("SELECT count(*), coalesce(sum(hours), 0) FROM ledger_ledgerentry").fetchone()
        ledger["entries"], ledger["hours"] = str(row[0]), str(row[1])
        for category, hours in conn.execute(
                "SELECT category, sum(hours) FROM ledger_ledgerentry GROUP BY category ORDER BY category"):
            ledger[f"hours:{category}"] = str(hours)
        conn.execute("COMMIT")
    return counts, ledger


def start_scratch(directory: Path) -> None:
    port = topo.PORTS["scratch"]
    options = " ".join([
        f"-p {port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={topo.VAR / 'run'}",
        "-c archive_mode=off", "-c synchronous_standby_names=''", f"-c hba_file={directory / 'pg_hba.conf'}",
        f"-c ident_file={directory / 'pg_ident.conf'}", "-c cluster_name=restore-drill", "-c hot_standby=on",
    ])
    done = subprocess.run([str(topo.PGBIN / "pg_ctl"), "-D", str(directory), "-l", str(topo.VAR / "log/scratch.log"),
                           "-o", options, "-w", "-t", "3600", "start"], capture_output=True, text=True,
                          preexec_fn=topo._demote())
    if done.returncode:
        raise RuntimeError(f"the scratch server did not start: {done.stdout}{done.stderr}; see log/scratch.log")


def drill() -> int:
    started_cluster = False
    if topo.leader() is None:
        topo.up(fresh=False)
        started_cluster = True
    scratch = topo.VAR / "scratch"
    failed = False
    try:
        primary = topo.leader()
        if not has_backup():
            say("no backup yet: taking a full one")
            say(f"full backup in {backup('full'):.1f} s")
        else:
            say(f"incremental backup in {backup('incr'):.1f} s")
        topo.psql(f"CREATE TABLE IF NOT EXISTS public.{PROBE} (label text, at timestamptz DEFAULT clock_timestamp())",
                  node=primary, dbname=topo.DB)
        topo.psql(f"INSERT INTO public.{PROBE} (label) VALUES ('before')", node=primary, dbname=topo.DB)
        counts, ledger = source_figures(primary)
        time.sleep(1)
        target = topo.psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
                           node=primary)
        time.sleep(1)
        topo.psql(f"INSERT INTO public.{PROBE} (label) VALUES ('after')", node=primary, dbname=topo.DB)
        topo.backrest("check", node=primary)  # switches the WAL segment and waits for it in the repository
        say(f"target time {target} UTC on {primary}: {len(counts)} tables, "
            f"{sum(counts.values())} rows, ledger {ledger}")

        if scratch.exists():
            topo.stop_postgres("scratch")
            shutil.rmtree(scratch)
        scratch.mkdir(mode=0o700)
        topo._as_postgres(scratch)
        started = time.monotonic()
        topo.backrest("restore", f"--pg1-path={scratch}", "--type=time", f"--target={target}+00",
                      "--target-action=promote", "--archive-mode=off")
        restored = time.monotonic() - started
        start_scratch(scratch)
        deadline = time.monotonic() + 3600
        while topo.psql("SELECT pg_is_in_recovery()", port_name="scratch") == "t":
            if time.monotonic() > deadline:
                raise RuntimeError("recovery did not end within an hour")
            time.sleep(0.5)
        recovered = time.monotonic() - started - restored
        size = int(topo.psql(f"SELECT pg_database_size('{topo.DB}')", port_name="scratch"))
        got_counts, got_ledger = source_figures("scratch")
        probes = topo.psql(f"SELECT string_agg(label, ',' ORDER BY label) FROM public.{PROBE}",
                           port_name="scratch", dbname=topo.DB)
        differences = [f"{t}: {counts.get(t)} at the source, {got_counts.get(t)} restored"
                       for t in sorted(set(counts) | set(got_counts))
                       if t != PROBE and counts.get(t) != got_counts.get(t)]
        differences += [f"ledger {k}: {ledger.get(k)} at the source, {got_ledger.get(k)} restored"
                        for k in sorted(set(ledger) | set(got_ledger)) if ledger.get(k) != got_ledger.get(k)]
        if probes != "before":
            differences.append(f"probe rows restored: {probes!r} (expected only 'before': the restore did not "
                               "stop at the target time)")
        total = restored + recovered
        say(f"restored in {restored:.1f} s, recovered to the target in {recovered:.1f} s: {size / 1e6:.0f} MB "
            f"database, {size / 1e6 / total:.1f} MB/s")
        print(f"restore_drill_seconds={total:.1f} restore_drill_db_mb={size / 1e6:.0f} "
              f"restore_drill_mb_per_s={size / 1e6 / total:.1f} restore_drill_tables={len(got_counts)} "
              f"restore_drill_rows={sum(got_counts.values())} restore_drill_differences={len(differences)}",
              flush=True)
        for line in differences:
            say(f"DIFFERENCE {line}")
        failed = bool(differences)
        if not failed:
            say("every table's row count and the ledger's totals match the source at the target time")
    finally:
        topo.stop_postgres("scratch")
        shutil.rmtree(scratch, ignore_errors=True)
        if started_cluster:
            topo.down(purge=False)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cluster/backup")
    sub = parser.add_subparsers(dest="command", required=True)
    p_backup = sub.add_parser("backup")
    p_backup.add_argument("--type", default="incr", choices=["full", "diff", "incr"])
    sub.add_parser("restore-drill")
    args = parser.parse_args(argv)
    os.umask(0o077)
    if args.command == "backup":
        print(f"backup: {args.type} in {backup(args.type):.1f} s", flush=True)
        return 0
    return drill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
