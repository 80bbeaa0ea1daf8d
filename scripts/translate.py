"""Rebuild the zh_Hans catalog from tisheng/locale/src/*.json (English msgid → Chinese). Extracts first (makemessages), fills only the given ids, reports what is
still untranslated, compiles. Run it under `flock /tmp/tisheng-po.lock` when several people
edit at once.

A key is the msgid, or for a message with a context (`pgettext("job state", "Failed")`) the
context, U+0004 and the msgid: "job state\\u0004Failed" — gettext's own separator, the key
the compiled catalogue looks it up by. One key has one translation: when two JSON files give
the same key different Chinese the build stops and names both files (a short English word
means different things on different screens: give each its context instead)."""

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
CONTEXT_SEPARATOR = "\x04"


class ConflictingTranslations(ValueError):
    """The same msgid (in the same context) translated two ways in two JSON files."""

    def __init__(self, conflicts: list[tuple[str, str, str, str, str]]) -> None:
        self.conflicts = conflicts  # (key, first file, its translation, other file, its translation)
        super().__init__("\n".join(
            f"{describe(key)} is {a!r} in {fa} but {b!r} in {fb}: give each use its own context "
            f"(pgettext) and key the JSON as \"context\\u0004msgid\"" for key, fa, a, fb, b in conflicts))


def describe(key: str) -> str:
    context, sep, msgid = key.rpartition(CONTEXT_SEPARATOR)
    return f"{msgid!r} (context {context!r})" if sep else repr(msgid)


def entry_key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}{CONTEXT_SEPARATOR}{entry.msgid}" if entry.msgctxt else entry.msgid


def load_sources(names: list[str] | None = None) -> dict[str, str]:
    """All translations from the JSON files; raises ConflictingTranslations when one key has
    two different translations."""
    paths = [Path(n) for n in names] if names else sorted(SOURCES.glob("*.json"))
    translations: dict[str, str] = {}
    origin: dict[str, str] = {}
    conflicts = []
    for path in paths:
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in translations and translations[key] != value:
                conflicts.append((key, origin[key], translations[key], path.name, value))
                continue
            translations.setdefault(key, value)
            origin.setdefault(key, path.name)
    if conflicts:
        raise ConflictingTranslations(conflicts)
    return translations


def extract() -> None:
    for domain in ("django", "djangojs"):
        subprocess.run(
            [str(ROOT / ".venv/bin/tisheng"), "makemessages", "-l", "zh_Hans", "--no-obsolete", "-d", domain,
             "--ignore", "static/vendor/*"],
            cwd=ROOT / "tisheng", check=True, capture_output=True,
        )


def main(argv: list[str]) -> int:
    try:
        translations = load_sources(argv or None)
    except ConflictingTranslations as exc:
        print(f"translate.py: refusing to build the catalogue:\n{exc}", file=sys.stderr)
        return 1
    extract()
    po = polib.pofile(str(PO))
    for entry in po:
        key = entry_key(entry)
        if key in translations:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: translations[key]}
            else:
                entry.msgstr = translations[key]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif "fuzzy" in entry.flags:
            entry.msgstr = ""
            entry.flags.remove("fuzzy")
        if entry.msgid_plural and key not in translations:
            # Translations come only from the JSON files; a plural left over from a fuzzy
            # guess (makemessages) names the wrong variables and would not compile.
            entry.msgstr_plural = {0: ""}
    po.save()
    missing = [entry_key(e) for e in po if not e.translated()]
    subprocess.run([str(ROOT / ".venv/bin/tisheng"), "compilemessages", "-l", "zh_Hans"], cwd=ROOT / "tisheng",
                   check=True, capture_output=True)
    for key in missing:
        print(f"untranslated: {describe(key)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
