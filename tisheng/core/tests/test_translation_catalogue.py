"""One English msgid has one Chinese translation across tisheng/locale/src/*.json; a word that
means different things on different screens gets a context (pgettext) instead (issue 12)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _translate_module():
    spec = importlib.util.spec_from_file_location("translate_script", ROOT / "scripts/translate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_msgid_has_two_translations_across_the_json_files():
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted((ROOT / "tisheng/locale/src").glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in seen and seen[key][1] != value:
                clashes.append((key, seen[key], (path.name, value)))
            seen.setdefault(key, (path.name, value))

    assert clashes == []


def test_the_catalogue_build_refuses_one_msgid_with_two_translations_and_names_both_files(tmp_path):
    (tmp_path / "jobs.json").write_text('{"Failed": "失败"}', encoding="utf-8")
    (tmp_path / "checks.json").write_text('{"Failed": "抽检不合格"}', encoding="utf-8")

    built = subprocess.run([sys.executable, str(ROOT / "scripts/translate.py"), str(tmp_path / "jobs.json"),
                            str(tmp_path / "checks.json")], capture_output=True, text=True, cwd=ROOT)

    assert built.returncode != 0
    assert "jobs.json" in built.stderr
    assert "checks.json" in built.stderr


def test_the_same_msgid_in_two_contexts_may_have_two_translations(tmp_path):
    (tmp_path / "a.json").write_text('{"job state\\u0004Failed": "失败"}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"spot check\\u0004Failed": "抽检不合格"}', encoding="utf-8")

    loaded = _translate_module().load_sources([str(tmp_path / "a.json"), str(tmp_path / "b.json")])

    assert loaded == {"job state\x04Failed": "失败", "spot check\x04Failed": "抽检不合格"}


@pytest.mark.parametrize(("context", "chinese"), [("job state", "失败"), ("spot check", "抽检不合格")])
def test_the_compiled_catalogue_translates_failed_by_its_context(context, chinese):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.pgettext(context, "Failed") == chinese
