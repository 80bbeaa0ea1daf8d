"""Rebuild the zh_Hans catalog from tisheng/locale/src/*.json (English msgid → Chinese). Extracts first (makemessages), fills only the given ids, reports what is
still untranslated, compiles. Run it under `flock /tmp/tisheng-po.lock` when several people
edit at once."""

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "tisheng/locale/zh_Hans/LC_MESSAGES/django.po"
# The translations themselves, one JSON file per topic (English msgid → Chinese), so people
# working on different features never edit the same lines of the catalog.
SOURCES = ROOT / "tisheng/locale/src"


def extract() -> None:
    for domain in ("django", "djangojs"):
        subprocess.run(
            [str(ROOT / ".venv/bin/tisheng"), "makemessages", "-l", "zh_Hans", "--no-obsolete", "-d", domain,
             "--ignore", "static/vendor/*"],
            cwd=ROOT / "tisheng", check=True, capture_output=True,
        )


def main(argv: list[str]) -> int:
    extract()
    translations: dict[str, str] = {}
    for name in argv or sorted(str(p) for p in SOURCES.glob("*.json")):
        translations.update(json.loads(Path(name).read_text(encoding="utf-8")))
    po = polib.pofile(str(PO))
    for entry in po:
        if entry.msgid in translations:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: translations[entry.msgid]}
            else:
                entry.msgstr = translations[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif "fuzzy" in entry.flags:
            entry.msgstr = ""
            entry.flags.remove("fuzzy")
        if entry.msgid_plural and entry.msgid not in translations:
            # Translations come only from the JSON files; a plural left over from a fuzzy
            # guess (makemessages) names the wrong variables and would not compile.
            entry.msgstr_plural = {0: ""}
    po.save()
    missing = [e.msgid for e in po if not e.translated()]
    subprocess.run([str(ROOT / ".venv/bin/tisheng"), "compilemessages", "-l", "zh_Hans"], cwd=ROOT / "tisheng",
                   check=True, capture_output=True)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
