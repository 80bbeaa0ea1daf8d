"""A throwaway PostgreSQL cluster a test may restart (for the database-restart tests of issue
12): initdb in a temporary directory, the binaries scripts/pg.sh found, durable commits. Private
to the test, so restarting it cannot break tests running at the same time on pg.sh's cluster."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

NEEDS_PG_SH = "restarts PostgreSQL: runs only under `scripts/pg.sh with …`"


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        self.bin = Path(os.getenv("PGBIN") or bins[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="tisheng-pgrestart."))
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = _free_port()
        self.url = f"postgres://postgres@/tisheng?host={self.dir}&port={self.port}"

    @property
    def options(self) -> str:
        return f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off -c max_connections=60"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_pg([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), *args]), check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        subprocess.run(_as_pg([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "-A",
                               "trust", "--encoding=UTF8", "--no-locale"]), check=True, capture_output=True)
        self.pg_ctl("-l", str(self.dir / "server.log"), "-w", "-o", self.options, "start")
        subprocess.run([str(self.bin / "createdb"), "-h", str(self.dir), "-p", str(self.port), "-U", "postgres",
                        "tisheng"], check=True, capture_output=True)

    def load_migrated(self) -> None:
        """Fill the empty database with a copy of the run's migrated template (pg_dump from
        scripts/pg.sh's cluster, psql into this one): about a second, where `migrate` from
        nothing renders the project state over a hundred migrations (~50 s of CPU)."""
        from tests.browser.conftest import migrated_database_url

        dump = subprocess.run([str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d",
                               migrated_database_url()], check=True, capture_output=True, timeout=120).stdout
        subprocess.run([str(self.bin / "psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir), "-p",
                        str(self.port), "-U", "postgres", "-d", "tisheng"], input=dump, check=True,
                       capture_output=True, timeout=120)

    def restart(self) -> None:
        """Kill and start again (`-m immediate`: every connection dies at once, crash recovery)."""
        self.pg_ctl("-l", str(self.dir / "server.log"), "-m", "immediate", "-w", "-o", self.options, "restart")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def cluster(*, migrated: bool = False):
    """A cluster of its own with an empty database `tisheng`, or with `migrated`, the run's
    migrated schema already in it."""
    c = Cluster()
    try:
        c.start()
        if migrated:
            c.load_migrated()
        yield c
    finally:
        c.remove()
