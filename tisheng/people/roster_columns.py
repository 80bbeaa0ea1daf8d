"""Optional roster columns that apps above `people` keep: a registry they fill at start-up
(people cannot import them). The ledger registers 资格注册有效期至 (each teacher's registration
date for 定期注册).

A column names its header and the other headers schools write for it, parses a cell (None for a
blank cell; ValueError whose argument is the row error's msgid otherwise: the import reports it
like any other column's), and stores the committed rows' values inside the import's transaction
(`store({teacher id: value}, actor=…, source="import:12", scope_path=…)`, in bulk, returning
how many it stored: the import's record keeps it and its result page says it under the column's
`stored_label`). A file without the column imports exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tisheng.core import crypto
from tisheng.core.tabular import header_key
from tisheng.people.models import Teacher


@dataclass(frozen=True)
class RosterColumn:
    header: str
    aliases: tuple[str, ...]
    help: Any  # a lazy translation: the import page's column help
    example: str  # the template's sample row
    parse: Callable[[Any], Any]
    store: Callable[..., int]
    stored_label: Any = ""  # what the result page calls the stored values ("登记注册日期"); the header if blank


_columns: dict[str, RosterColumn] = {}
_by_key: dict[str, str] = {}


def register(column: RosterColumn) -> None:
    _columns[column.header] = column
    for name in (column.header, *column.aliases):
        _by_key[header_key(name)] = column.header


def columns() -> list[RosterColumn]:
    return list(_columns.values())


def header_for(key: str) -> str | None:
    """The registered column a header cell (as `header_key` made it) names, if any."""
    return _by_key.get(key)


def stored_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    """An import's `columns_stored` as (label, count) for its result page, in registry order."""
    return [(str(c.stored_label or c.header), counts[c.header]) for c in _columns.values() if counts.get(c.header)]


def store_all(records: Iterable, *, actor, source: str, scope_path: str) -> dict[str, int]:
    """Hand each column the values of the committed records (TeacherRecords with `extra`):
    the teachers' ids by national ID hash, one query per 5,000. Returns how many each stored."""
    with_extra = [r for r in records if r.extra]
    if not with_extra:
        return {}
    hashes = {r.row: crypto.lookup_hash(r.national_id) for r in with_extra}
    ids: dict[str, int] = {}
    values = list(hashes.values())
    for start in range(0, len(values), 5000):
        ids.update(Teacher.objects.filter(id_hash__in=values[start:start + 5000]).values_list("id_hash", "pk"))
    stored: dict[str, int] = {}
    for column in _columns.values():
        found = {ids[hashes[r.row]]: r.extra[column.header] for r in with_extra
                 if column.header in r.extra and hashes[r.row] in ids}
        if found:
            stored[column.header] = int(column.store(found, actor=actor, source=source, scope_path=scope_path) or 0)
    return stored
