"""Production cannot run on the public development keys, https turns on the transport
protections, and every HTML answer carries a Content-Security-Policy that no page needs to
break (issue 12)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.urls import reverse

from tisheng.core.checks import DEV_KEY_ID, development_key_errors

ROOT = Path(__file__).resolve().parents[3]
KEYS = ("TISHENG_SECRET_KEY", "TISHENG_ID_ENCRYPTION_KEY", "TISHENG_ID_HASH_KEY", "TISHENG_CERT_SIGNING_KEY",
        "TISHENG_OIDC_RSA_PRIVATE_KEY")


def _settings_in_a_fresh_process(tmp_path: Path, **env: str) -> dict:
    """Some settings as a new process computes them from these environment variables."""
    names = ["DEVELOPMENT_KEYS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
             "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER"]
    code = ("import json, tisheng.settings as s; "
            f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))")
    clean = {k: v for k, v in os.environ.items() if k not in KEYS and not k.startswith("TISHENG_SITE_URL")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, "TISHENG_VAR_DIR": str(tmp_path), **env},
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def test_without_keys_every_development_key_is_named(tmp_path):
    assert _settings_in_a_fresh_process(tmp_path)["DEVELOPMENT_KEYS"] == list(KEYS)


def test_with_every_key_set_none_is_a_development_key(tmp_path):
    keys = {name: f"production-value-{i}" for i, name in enumerate(KEYS)}
    assert _settings_in_a_fresh_process(tmp_path, **keys)["DEVELOPMENT_KEYS"] == []


def test_check_deploy_fails_with_an_error_on_development_keys(settings):
    settings.DEVELOPMENT_KEYS = ["TISHENG_SECRET_KEY", "TISHENG_CERT_SIGNING_KEY"]

    with pytest.raises(SystemCheckError) as failed:
        call_command("check", deploy=True)

    assert "TISHENG_SECRET_KEY" in str(failed.value)
    assert "TISHENG_CERT_SIGNING_KEY" in str(failed.value)
    assert DEV_KEY_ID in str(failed.value)


def test_check_deploy_says_nothing_of_keys_that_are_set(settings):
    settings.DEVELOPMENT_KEYS = []
    assert development_key_errors() == []


def test_check_without_deploy_does_not_stop_development(settings, capsys):
    settings.DEVELOPMENT_KEYS = list(KEYS)
    call_command("check")
    assert DEV_KEY_ID not in capsys.readouterr().out


def test_serve_refuses_to_start_on_development_keys_with_debug_off(settings, monkeypatch):
    settings.DEBUG, settings.DEVELOPMENT_KEYS, settings.ALLOW_DEV_KEYS = False, ["TISHENG_ID_HASH_KEY"], False
    started = []
    monkeypatch.setattr(os, "execv", lambda *a: started.append(a))

    with pytest.raises(CommandError, match="TISHENG_ID_HASH_KEY"):
        call_command("serve")
    assert started == []


def test_serve_starts_on_development_keys_when_the_demo_opts_in(settings, monkeypatch):
    settings.DEBUG, settings.DEVELOPMENT_KEYS, settings.ALLOW_DEV_KEYS = False, ["TISHENG_ID_HASH_KEY"], True
    started = []
    monkeypatch.setattr(os, "execv", lambda *a: started.append(a))

    call_command("serve", "--no-worker")  # the server alone: execv, which the test catches

    assert len(started) == 1


def test_make_run_opts_in_to_the_development_keys():
    run = re.search(r"^run:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S).group(0)
    assert "TISHENG_ALLOW_DEV_KEYS=1" in run


def test_an_https_site_turns_on_secure_cookies_hsts_and_the_https_redirect(tmp_path):
    https = _settings_in_a_fresh_process(tmp_path, TISHENG_SITE_URL="https://pxpt.fjedu.gov.cn")
    http = _settings_in_a_fresh_process(tmp_path)

    assert (https["SESSION_COOKIE_SECURE"], https["CSRF_COOKIE_SECURE"], https["SECURE_SSL_REDIRECT"]) == (True,) * 3
    assert https["SECURE_HSTS_SECONDS"] >= 31536000
    assert https["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (http["SESSION_COOKIE_SECURE"], http["SECURE_SSL_REDIRECT"], http["SECURE_HSTS_SECONDS"]) == (False, False, 0)


def test_each_https_protection_can_be_turned_off_on_its_own(tmp_path):
    off = _settings_in_a_fresh_process(tmp_path, TISHENG_SITE_URL="https://pxpt.fjedu.gov.cn",
                                       TISHENG_SSL_REDIRECT="0", TISHENG_HSTS_SECONDS="0")
    assert (off["SECURE_SSL_REDIRECT"], off["SECURE_HSTS_SECONDS"], off["SESSION_COOKIE_SECURE"]) == (False, 0, True)


# --- Content-Security-Policy ----------------------------------------------------------------------------


def test_html_pages_carry_a_policy_allowing_scripts_from_this_site_only(client, world):
    client.force_login(world.county_officer)
    for url in (reverse("accounts:login"), reverse("home")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"


def test_json_answers_carry_no_policy(client):
    assert "Content-Security-Policy" not in client.get(reverse("healthz"))


def test_the_api_docs_serve_their_own_swagger_ui_files(client, world):
    client.force_login(world.province_officer)
    page = client.get("/api/v1/docs")
    html = page.content.decode()

    assert page.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "Content-Security-Policy" in page


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
STYLE = re.compile(r"\sstyle\s*=\s*[\"']|<style[\s>]", re.I)


def test_no_template_has_an_inline_script_handler_or_style_the_policy_would_block():
    offending = []
    for template in sorted((ROOT / "tisheng").rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for kind, pattern in (("inline script", INLINE_SCRIPT), ("on… handler", HANDLER), ("style", STYLE)):
            offending += [f"{template.relative_to(ROOT)}: {kind}: {m.group(0).strip()}" for m in pattern.finditer(text)]

    assert offending == []
