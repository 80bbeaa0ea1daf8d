"""The certificate rows of the program edit page as a browser sends them (the formset's fields
and management form), for the page tests."""

from __future__ import annotations

from tisheng.programs.forms import CERTIFICATE_PREFIX as P


def certificate_rows_data(program, rows: list[dict] | None = None, *, blank: bool = True) -> dict:
    """The program's saved certificates as rows (or `rows`: dicts of the row fields, with
    "DELETE": "on" to remove one), then the page's blank row when `blank`."""
    if rows is None:
        rows = [{"name": c.name, "code": c.code, "issuers": list(c.issuers),
                 **{f"min_{cat}": str(h) for cat, h in c.min_hours.items()},
                 "requires_certificates": list(c.requires_certificates),
                 **({"requires_completion": "on"} if c.requires_completion else {})}
                for c in program.ruleset.certificates]
    initial = len(program.ruleset.certificates)
    data = {f"{P}-TOTAL_FORMS": str(len(rows) + blank), f"{P}-INITIAL_FORMS": str(initial),
            f"{P}-MIN_NUM_FORMS": "0", f"{P}-MAX_NUM_FORMS": "20"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{P}-{i}-{key}"] = value
    return data
