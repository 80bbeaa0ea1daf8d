"""CPU seconds of the processes a benchmark drives, from /proc (Linux): the machine the benches
run on is shared, and wall time under others' load says more about the neighbours than about
the code, so the funding and communities benches print CPU time beside wall time.

    cluster_cpu()        PostgreSQL: the postmaster of the connection's cluster and all its
                         children (backends, parallel workers), ended children included
    group_cpu(pgid)      a process group (a server started with start_new_session=True)
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(match) -> float:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid, group = int(stat.parent.name), int(fields[1]), int(fields[2])
        own, leader = match(pid, ppid, group)
        if own:
            total += int(fields[11]) + int(fields[12])
        if leader:  # its ended children, once waited for
            total += int(fields[13]) + int(fields[14])
    return total / TICKS


def group_cpu(pgid: int) -> float:
    return _cpu(lambda pid, ppid, group: (group == pgid, pid == pgid))


def postmaster_pid(connection) -> int | None:
    """The postmaster of the connection's PostgreSQL cluster (the parent of its backend), when it
    runs on this machine; None otherwise."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def cluster_cpu(postmaster: int | None) -> float:
    if postmaster is None:
        return 0.0
    return _cpu(lambda pid, ppid, group: (pid == postmaster or ppid == postmaster, pid == postmaster))
