"""The deployment files of issue 20 (deploy/) and the test cluster's generated configuration
(scripts/cluster/topology.py) are accepted by the programs that read them, and say what the
topology relies on. The tools' checks run where Debian's packages are installed (make
cluster-deps); elsewhere those tests are skipped."""

from __future__ import annotations

import configparser
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def _topology(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TISHENG_CLUSTER_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("cluster_topology", ROOT / "scripts/cluster/topology.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _haproxy_check(config: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    return subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)


needs_haproxy = pytest.mark.skipif(not shutil.which("haproxy"), reason="haproxy not installed (make cluster-deps)")


@needs_haproxy
def test_the_example_haproxy_config_is_accepted_by_haproxy(tmp_path):
    pem = tmp_path / "site.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=pxpt",
                    "-keyout", str(pem), "-out", str(pem)], check=True, capture_output=True, timeout=60)
    config = (DEPLOY / "haproxy/haproxy.cfg").read_text()
    config = config.replace("/etc/haproxy/certs/pxpt.pem", str(pem)).replace(
        "/run/haproxy/admin.sock", str(tmp_path / "admin.sock"))

    checked = _haproxy_check(config, tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_haproxy
def test_the_cluster_tests_haproxy_config_is_accepted_by_haproxy(tmp_path, monkeypatch):
    topology = _topology(tmp_path, monkeypatch)

    checked = _haproxy_check(topology.haproxy_config(), tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_load_balancers_find_the_primary_through_patronis_rest_check_and_cut_its_sessions():
    config = (DEPLOY / "haproxy/haproxy.cfg").read_text()
    pg_rw = config.split("listen pg_rw")[1].split("listen ")[0]

    assert "uri /primary" in pg_rw
    assert "on-marked-down shutdown-sessions" in pg_rw
    assert "uri /readyz" in config.split("\nbackend tisheng")[1].split("listen ")[0]


def test_pgbouncer_pools_transactions_and_fails_clients_fast_during_a_failover():
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(DEPLOY / "pgbouncer/pgbouncer.ini")
    bouncer = ini["pgbouncer"]

    assert bouncer["pool_mode"] == "transaction"
    assert int(bouncer["query_wait_timeout"]) <= 15  # then the app answers 503, not a hung request
    assert int(bouncer["server_login_retry"]) <= 2  # the new primary is tried again within seconds
    assert "port=5000" in ini["databases"]["tisheng"]  # HAProxy's pg_rw, which follows the primary


def test_patroni_fails_over_only_to_a_synchronous_standby_and_archives_with_pgbackrest():
    config = yaml.safe_load((DEPLOY / "patroni/config.yml").read_text())
    dcs = config["bootstrap"]["dcs"]

    assert dcs["synchronous_mode"] is True
    assert dcs["ttl"] >= 20
    assert dcs["loop_wait"] + 2 * dcs["retry_timeout"] <= dcs["ttl"]
    assert dcs["postgresql"]["parameters"]["archive_command"].startswith("pgbackrest ")
    assert dcs["postgresql"]["parameters"]["timezone"] == "UTC"  # Django never needs a SET through PgBouncer
    assert len(config["etcd3"]["hosts"]) == 3  # any one host may go and etcd keeps its quorum


@pytest.mark.skipif(not shutil.which("patroni"), reason="patroni not installed (make cluster-deps)")
def test_the_example_patroni_config_passes_patronis_validation_but_for_this_machines_network(tmp_path):
    checked = subprocess.run(["patroni", "--validate-config", str(DEPLOY / "patroni/config.yml")],
                             capture_output=True, text=True, timeout=60)

    # The example's addresses (10.0.0.x) are not this machine's: Patroni may say it cannot bind or
    # reach them. Anything else is a mistake in the file.
    network = re.compile(r"already in use|not reachable|Name or service not known|Cannot assign|bootstrap.pg_hba")
    problems = [line for line in (checked.stdout + checked.stderr).splitlines()
                if line.strip() and not network.search(line)]
    assert problems == []


def test_every_process_has_a_systemd_unit_here_or_in_its_debian_package():
    units = {p.name for p in (DEPLOY / "systemd").rglob("*") if p.is_file()}

    # ours: the app, its worker and periodic work, the backups
    assert {"tisheng-web.service", "tisheng-worker.service", "tisheng-periodic.service", "tisheng-periodic.timer",
            "pgbackrest-backup@.service", "pgbackrest-full.timer", "pgbackrest-incr.timer",
            "tisheng-files-backup.service", "tisheng-files-backup.timer"} <= units
    # Debian's haproxy, pgbouncer, patroni and etcd units, with our drop-ins where they need one
    assert {"tisheng.conf"} <= units
    for path in (DEPLOY / "systemd").glob("*.service"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(path)
        assert unit["Service"].get("ExecStart"), path.name


def test_the_app_reaches_postgresql_through_pgbouncer_in_the_environment_example():
    lines = [line for line in (DEPLOY / "tisheng.env.example").read_text().splitlines()
             if line.startswith("DATABASE_URL=")]

    assert lines == ["DATABASE_URL=postgres://tisheng:CHANGE-ME@127.0.0.1:6432/tisheng"]
