"""The one guard every Office file (a zip: .xlsx, .docx, .pptx) passes before a parser sees it.

Parsers trust what a file declares. python-calamine allocates the whole rectangle between a
sheet's first and last cell, so a 1.6 KB sheet with cells at A1 and XFD1048576 asks for
~550 GB and aborts the process; python-docx loads a part whole, so a 31 KB .docx holding
10 MB of XML costs seconds and hundreds of MB. `check_office_zip` refuses such files with a
reason a user can read, having read every byte of the archive once, in a streaming way
(memory stays at one chunk, work at most `max_total_bytes` of inflating):

- the archive's structure: it starts at byte 0 and its end record is the file's last bytes
  (nothing hidden before or after it: a polyglot), members do not overlap (the "better zip
  bomb" reuses one compressed body for many entries) and leave no gaps, names are unique,
  only stored or deflated members, nothing encrypted, at most `max_members` of them (counted
  from the end record before Python builds an object per entry);
- sizes: each member's declared uncompressed size, the total, and its compression ratio
  (for members over RATIO_FLOOR bytes); then every member is inflated in chunks and must
  inflate to exactly what it declared (zipfile stops at the declared size and checks the
  CRC, so a member that lies about its size is refused, not believed);
- XML: a document type declaration (entity expansion) is refused; the cells a sheet holds
  (`<c r="…">`, `<row r="…">`, positions where `r` is left out) give the rectangle a reader
  will allocate, as does the sheet's `<dimension ref="…">`; either over `max_cells` is
  refused. Every XML member is scanned, not only the ones named like sheets: a workbook's
  relationships may put a sheet anywhere.

A refusal is an `OfficeFileRefused` (a ValueError) with `message()` in the user's language
and `reason` (TOO_LARGE or DAMAGED) for a short label. This module imports no Django
settings, so the text-extraction subprocess can call it before Django is set up.

PDFs have their own limits (pypdf's `Configuration`, applied by `pdf_limits`), the page
count, and the subprocess's memory and time limits (practice.textextract).
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


def gettext_noop(message: str) -> str:
    """Marks a message for translation; Django's own needs settings, which the extraction
    subprocess does not load."""
    return message


# Limits (one place; the callers may pass tighter ones).
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all members, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for a member over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # small members compress however they like
MAX_CELLS = 5_000_000  # rows × columns of one sheet's rectangle (calamine: ~32 bytes a cell)
MAX_PDF_PAGES = 2_000
PDF_MAX_STREAM_BYTES = 32 * 1024 * 1024

CHUNK = 1024 * 1024
MAX_TAG_BYTES = 1024 * 1024  # no tag of an Office XML part is longer
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

TOO_LARGE = "too_large"
DAMAGED = "damaged"

NOT_A_ZIP = gettext_noop("The file is damaged or is not a valid Office file")
HIDDEN_DATA = gettext_noop("The file is damaged: it holds data outside its archive (it is two files in one)")
BAD_MEMBER = gettext_noop("The file is damaged: a part of it cannot be read (%(name)s)")
TOO_MANY_MEMBERS = gettext_noop("The file has %(count)s parts; at most %(limit)s are allowed")
TOO_LARGE_UNCOMPRESSED = gettext_noop(
    "The file expands to %(size)s MB when opened; at most %(limit)s MB are allowed")
RATIO_TOO_HIGH = gettext_noop(
    "A part of the file is compressed %(ratio)s times (%(name)s); at most %(limit)s times is normal")
SHEET_TOO_LARGE = gettext_noop(
    "The sheet's range is too large (%(rows)s rows × %(columns)s columns); at most %(limit)s cells are allowed")
DOCTYPE_FOUND = gettext_noop("The file contains a document type declaration, which Office files never have")
PDF_TOO_MANY_PAGES = gettext_noop("The PDF has %(pages)s pages; at most %(limit)s are allowed")

class OfficeFileRefused(ValueError):
    """A file no parser may open; `message()` says why (translated), `reason` in a word."""

    def __init__(self, msgid: str, reason: str, **params: Any):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.reason = reason
        self.params = params

    def message(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.msgid) % self.params if self.params else gettext(self.msgid)


@dataclass(frozen=True)
class Limits:
    max_members: int = MAX_MEMBERS
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: float = MAX_RATIO
    ratio_floor: int = RATIO_FLOOR
    max_cells: int = MAX_CELLS


DEFAULT_LIMITS = Limits()


@dataclass
class ZipSummary:
    """What the guard saw: member names and their total uncompressed size."""

    names: list[str]
    total_bytes: int


Source = bytes | str | os.PathLike | IO[bytes]


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as f:
            yield f
    else:
        source.seek(0)
        yield source
        source.seek(0)


def check_office_zip(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> ZipSummary:
    """Refuse (OfficeFileRefused) an archive a parser must not open; see the module docstring."""
    with _opened(source) as f:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        end = _end_record(f, size)
        if end.entries > limits.max_members:
            raise OfficeFileRefused(TOO_MANY_MEMBERS, TOO_LARGE, count=end.entries, limit=limits.max_members)
        try:
            archive = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise OfficeFileRefused(NOT_A_ZIP, DAMAGED) from exc
        with archive:
            infos = archive.infolist()
            _check_layout(f, infos, end)
            total = _check_declared_sizes(infos, limits)
            for info in infos:
                _inflate_and_scan(archive, info, limits)
        return ZipSummary(names=[i.filename for i in infos], total_bytes=total)


def list_names(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The member names, cheaply (no member is inflated), for telling a .docx from a .pptx:
    the end record is checked first, so a central directory of a million entries is refused
    before Python builds an object for each."""
    with _opened(source) as f:
        f.seek(0, io.SEEK_END)
        end = _end_record(f, f.tell())
        if end.entries > limits.max_members:
            raise OfficeFileRefused(TOO_MANY_MEMBERS, TOO_LARGE, count=end.entries, limit=limits.max_members)
        try:
            with zipfile.ZipFile(f) as archive:
                return archive.namelist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise OfficeFileRefused(NOT_A_ZIP, DAMAGED) from exc


# The archive's structure ------------------------------------------------------------------------

@dataclass
class _End:
    entries: int
    cd_offset: int
    cd_size: int
    records_start: int  # where the zip64 records (if any) or the end record begin


def _end_record(f: IO[bytes], size: int) -> _End:
    """The end-of-central-directory record, which must end the file exactly (only its comment
    may follow it); zip64 records are read when present."""
    tail_len = min(size, 22 + 65_535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    while pos >= 0:
        if pos + 22 <= len(tail):
            comment_len = struct.unpack("<H", tail[pos + 20:pos + 22])[0]
            if pos + 22 + comment_len == len(tail):
                break
        pos = tail.rfind(b"PK\x05\x06", 0, pos)
    if pos < 0:
        raise OfficeFileRefused(HIDDEN_DATA if b"PK\x05\x06" in tail else NOT_A_ZIP, DAMAGED)
    _sig, disk, cd_disk, _here, entries, cd_size, cd_offset, _clen = struct.unpack("<4s4H2LH", tail[pos:pos + 22])
    if disk or cd_disk:
        raise OfficeFileRefused(NOT_A_ZIP, DAMAGED)  # multi-disk archives
    eocd = size - tail_len + pos
    records_start = eocd
    if pos >= 20 and tail[pos - 20:pos - 16] == b"PK\x06\x07":
        _sig, _disk, z64_offset, _disks = struct.unpack("<4sLQL", tail[pos - 20:pos])
        f.seek(z64_offset)
        record = f.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise OfficeFileRefused(NOT_A_ZIP, DAMAGED)
        entries, cd_size, cd_offset = struct.unpack("<QQQ", record[32:56])
        records_start = z64_offset
    if cd_offset + cd_size != records_start:
        # Python accepts data before the archive (it shifts every offset); no Office file has any.
        raise OfficeFileRefused(HIDDEN_DATA, DAMAGED)
    return _End(entries=entries, cd_offset=cd_offset, cd_size=cd_size, records_start=records_start)


_DESCRIPTOR_SIZES = (0, 12, 16, 20, 24)  # a data descriptor: crc and sizes, with or without its signature


def _check_layout(f: IO[bytes], infos: list[zipfile.ZipInfo], end: _End) -> None:
    """Members follow each other from byte 0 to the central directory: no overlap, no gaps,
    unique names, only stored or deflated, nothing encrypted."""
    names = [i.filename for i in infos]
    if len(set(names)) != len(names) or len(infos) != end.entries:
        raise OfficeFileRefused(NOT_A_ZIP, DAMAGED)
    position = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise OfficeFileRefused(BAD_MEMBER, DAMAGED, name=info.filename[:80])
        if info.header_offset - position not in _DESCRIPTOR_SIZES or (position == 0 and info.header_offset):
            raise OfficeFileRefused(HIDDEN_DATA, DAMAGED)
        f.seek(info.header_offset)
        header = f.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise OfficeFileRefused(NOT_A_ZIP, DAMAGED)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        position = info.header_offset + 30 + name_len + extra_len + info.compress_size
    if end.cd_offset - position not in _DESCRIPTOR_SIZES:
        raise OfficeFileRefused(HIDDEN_DATA, DAMAGED)


def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> int:
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_total_bytes:
            raise OfficeFileRefused(TOO_LARGE_UNCOMPRESSED, TOO_LARGE, size=_mb(sum(i.file_size for i in infos)),
                                    limit=_mb(limits.max_total_bytes))
        if info.file_size > limits.ratio_floor and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise OfficeFileRefused(RATIO_TOO_HIGH, TOO_LARGE, ratio=info.file_size // max(info.compress_size, 1),
                                    name=info.filename[:80], limit=f"{limits.max_ratio:g}")
    return total


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


# Members' content ------------------------------------------------------------------------------

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(c|row|dimension)(?=[\s/>])([^>]*)")
_REF_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_DIM_ATTR = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([^"']*)["']""")
_CELL_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
# The fast path: `<c r="B12"` and `<row r="12"` with nothing before the reference.
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")  # `<x:c `; a false alarm only costs the slow path
_ANY_CELL = re.compile(rb"<c[\s/>]")
_ANY_ROW = re.compile(rb"<row[\s/>]")
_CELL_ROWS = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,7})"')
_CELL_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})\d')
_ROW_ROWS = re.compile(rb'<row r="(\d{1,7})"')



class _Sheet:
    """The rectangle of the cells one XML part places, positions counted as a reader would."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.row = 0
        self.column = 0
        self.min_row = self.min_col = None
        self.max_row = self.max_col = 0

    def feed(self, text: bytes) -> None:
        """Scan a run of whole tags. Where every row and cell starts with its reference, as
        Excel, WPS, LibreOffice and openpyxl write them, the extremes come from a few C-level
        passes; otherwise (prefixed names, positions left out) tag by tag."""
        if b"dimension" in text:
            for found in _TAG.finditer(text):
                if found.group(1) == b"dimension" and (ref := _DIM_ATTR.search(found.group(2))):
                    self._dimension(ref.group(1))
        if not _PREFIXED.search(text):
            cell_rows = _CELL_ROWS.findall(text)
            row_rows = _ROW_ROWS.findall(text)
            if len(cell_rows) == len(_ANY_CELL.findall(text)) and len(row_rows) == len(_ANY_ROW.findall(text)):
                if cell_rows:
                    numbers = [int(n) for n in set(cell_rows)]
                    columns = [_column(c) for c in set(_CELL_COLUMNS.findall(text))]
                    self._extremes(min(numbers), max(numbers), min(columns), max(columns))
                    self.column = _column(_CELL_COLUMNS.findall(text[text.rfind(b"<c r="):])[0])
                if row_rows or cell_rows:
                    self.row = int(row_rows[-1] if row_rows else cell_rows[-1])
                return
        for match in _TAG.finditer(text):
            kind, attrs = match.group(1), match.group(2)
            if kind == b"row":
                found = _REF_ATTR.search(attrs)
                self.row = _int(found.group(1)) if found else self.row + 1
                self.column = 0
            elif kind == b"c":
                found = _REF_ATTR.search(attrs)
                parsed = _cell(found.group(1)) if found else None
                if parsed is not None:
                    self.row, self.column = parsed[0] or self.row, parsed[1]
                else:
                    self.column += 1
                self._cell(max(self.row, 1), self.column)
            else:
                found = _DIM_ATTR.search(attrs)
                if found:
                    self._dimension(found.group(1))

    def _cell(self, row: int, column: int) -> None:
        self._extremes(row, row, column, column)

    def _extremes(self, low_row: int, high_row: int, low_col: int, high_col: int) -> None:
        self.min_row = low_row if self.min_row is None else min(self.min_row, low_row)
        self.min_col = low_col if self.min_col is None else min(self.min_col, low_col)
        self.max_row, self.max_col = max(self.max_row, high_row), max(self.max_col, high_col)
        self._check(self.max_row - self.min_row + 1, self.max_col - self.min_col + 1)

    def _dimension(self, ref: bytes) -> None:
        corners = [_cell(part) for part in ref.split(b":")]
        if len(corners) == 2 and None not in corners:
            (r1, c1), (r2, c2) = corners
            self._check(abs(r2 - r1) + 1, abs(c2 - c1) + 1)

    def _check(self, rows: int, columns: int) -> None:
        if rows * columns > self.limits.max_cells or rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
            raise OfficeFileRefused(SHEET_TOO_LARGE, TOO_LARGE, rows=f"{rows:,}", columns=f"{columns:,}",
                                    limit=f"{self.limits.max_cells:,}")


def _int(value: bytes) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _column(letters: bytes) -> int:
    column = 0
    for char in letters.upper():
        column = column * 26 + char - 64
    return column


def _cell(ref: bytes) -> tuple[int, int] | None:
    """(row, column) of `B12`; row 0 when only a column is given."""
    found = _CELL_REF.match(ref.strip())
    if found is None:
        return None
    return int(found.group(2)), _column(found.group(1))


def _inflate_and_scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Inflate one member in chunks (never more than it declared) and scan it if it is XML."""
    inflated = 0
    sheet: _Sheet | None = None
    carry = b""
    try:
        with archive.open(info) as member:
            first = True
            while chunk := member.read(CHUNK):
                inflated += len(chunk)
                if first:
                    first = False
                    if chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
                        sheet = _Sheet(info.filename, limits)
                if sheet is None:
                    continue
                buffer = carry + chunk
                cut = buffer.rfind(b"<")
                if cut <= 0:
                    cut = len(buffer) if cut < 0 else 0
                text, carry = buffer[:cut], buffer[cut:]
                if len(carry) > MAX_TAG_BYTES:
                    raise OfficeFileRefused(BAD_MEMBER, DAMAGED, name=info.filename[:80])
                _scan(sheet, text)
            if sheet is not None and carry:
                _scan(sheet, carry)
    except OfficeFileRefused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise OfficeFileRefused(BAD_MEMBER, DAMAGED, name=info.filename[:80]) from exc
    if inflated != info.file_size:
        raise OfficeFileRefused(BAD_MEMBER, DAMAGED, name=info.filename[:80])


def _scan(sheet: _Sheet, text: bytes) -> None:
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        raise OfficeFileRefused(DOCTYPE_FOUND, DAMAGED)
    sheet.feed(text)


# PDF ----------------------------------------------------------------------------------------------

@contextmanager
def pdf_limits(max_stream_bytes: int = PDF_MAX_STREAM_BYTES) -> Iterator[None]:
    """pypdf's own decompression and parsing limits, tightened for evidence documents."""
    from pypdf import apply_configuration

    with apply_configuration(
        maximum_declared_stream_length=max_stream_bytes,
        array_based_stream_maximum_output_length=max_stream_bytes,
        zlib_maximum_output_length=max_stream_bytes,
        lzw_maximum_output_length=max_stream_bytes,
        run_length_maximum_output_length=max_stream_bytes,
        jbig2_maximum_output_length=max_stream_bytes,
        brotli_maximum_output_length=max_stream_bytes,
        image_maximum_buffer_size=max_stream_bytes,
        stream_decoding_work_maximum_length=4 * max_stream_bytes,
    ):
        yield


def check_pdf_pages(pages: int, limit: int = MAX_PDF_PAGES) -> None:
    if pages > limit:
        raise OfficeFileRefused(PDF_TOO_MANY_PAGES, TOO_LARGE, pages=pages, limit=limit)
