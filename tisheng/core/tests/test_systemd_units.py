"""The systemd units shipped in deploy/systemd/ run real `tisheng` commands, hardened (issue 13).

Each ExecStart names a `tisheng` subcommand and flags that exist; the web server runs without
the worker (which has a unit of its own); and `systemd-analyze verify`, where installed, accepts
the files with the paths of this checkout (and says nothing: an unknown key is only a warning)."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[3]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/tisheng/.venv/bin/tisheng"
SERVICES = {"tisheng-web.service": "serve", "tisheng-worker.service": "run-jobs",
            "tisheng-periodic.service": "run-periodic"}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def _argv(line: str) -> list[str]:
    return shlex.split(line)


def test_each_service_runs_a_real_tisheng_subcommand_with_real_flags():
    commands = get_commands()
    for name, subcommand in SERVICES.items():
        argv = _argv(_unit(name)["Service"]["ExecStart"])
        assert argv[0] == INSTALLED, name
        assert argv[1] == subcommand, name
        django_name = subcommand.replace("-", "_")
        parser = load_command_class(commands[django_name], django_name).create_parser("tisheng", django_name)
        known = {option for action in parser._actions for option in action.option_strings}
        flags = [a.split("=")[0] for a in argv[2:] if a.startswith("--")]
        assert set(flags) <= known, (name, set(flags) - known)


def test_the_web_server_leaves_the_jobs_to_the_worker_unit_and_checks_its_settings_first():
    web = _unit("tisheng-web.service")["Service"]
    assert "--no-worker" in _argv(web["ExecStart"])
    assert _argv(web["ExecStartPre"])[1:] == ["check", "--deploy"]


def test_every_service_is_restarted_or_timed_and_runs_hardened_as_its_own_user():
    for name in SERVICES:
        service = _unit(name)["Service"]
        assert (service["User"], service["Group"]) == ("tisheng", "tisheng"), name
        assert service["EnvironmentFile"] == "/etc/tisheng/tisheng.env", name
        assert service["NoNewPrivileges"] == "yes", name
        assert service["ProtectSystem"] == "strict", name
        assert service["ReadWritePaths"] == f"/var/lib/{service['StateDirectory']}", name
        assert "TISHENG_VAR_DIR=/var/lib/tisheng" in service["Environment"], name
        assert service["CapabilityBoundingSet"] == "", name
    for name in ("tisheng-web.service", "tisheng-worker.service"):
        assert _unit(name)["Service"]["Restart"] == "on-failure", name
    assert _unit("tisheng-periodic.service")["Service"]["Type"] == "oneshot"
    assert _unit("tisheng-periodic.timer")["Timer"]["OnCalendar"] == "*-*-* *:*:00"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units_quietly(tmp_path):
    env_file = tmp_path / "tisheng.env"
    env_file.write_text((ROOT / "deploy" / "tisheng.env.example").read_text())
    tisheng = str(Path(sys.executable).with_name("tisheng"))
    # tisheng's own units; the cluster's (pgBackRest, the file-store copy, drop-ins for Debian's
    # patroni and pgbouncer units) name programs this machine need not have.
    for unit in (UNITS / name for name in ("tisheng-web.service", "tisheng-worker.service",
                                            "tisheng-periodic.service", "tisheng-periodic.timer")):
        text = (unit.read_text().replace(INSTALLED, tisheng).replace("/opt/tisheng", str(ROOT))
                .replace("/etc/tisheng/tisheng.env", str(env_file)))
        (tmp_path / unit.name).write_text(text)
    files = sorted(str(p) for p in tmp_path.iterdir() if p.suffix in (".service", ".timer"))
    assert len(files) == 4

    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True,
                              timeout=60)

    assert verified.returncode == 0, verified.stderr
    assert verified.stdout + verified.stderr == ""
