"""Hostile Office files, built small and in memory (no test ever inflates what they claim)."""

from __future__ import annotations

import io
import struct
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>")
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{dim}<sheetData>{rows}</sheetData></worksheet>")


def xlsx(sheet: str) -> bytes:
    """A workbook with one sheet whose XML is `sheet` (inline strings, no shared strings)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def corner_cells_xlsx(*, dimension: str | None = "A1:XFD1048576") -> bytes:
    """The 1.6 KB workbook of the issue: a cell at A1 and one at XFD1048576."""
    return xlsx(sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                          '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', dimension))


def zip_bomb(*, megabytes: int = 64) -> bytes:
    """A member of `megabytes` MB of zeros (deflated ~1000×), written in chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", WORKBOOK)
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(zeros)
    return out.getvalue()


def with_sizes_lowered(content: bytes, name: str, declared: int) -> bytes:
    """`content` with member `name` claiming `declared` uncompressed bytes (in its local and
    central headers) while it inflates to more."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        info = z.getinfo(name)
    struct.pack_into("<L", data, info.header_offset + 22, declared)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_len = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46:position + 46 + name_len]).decode() == name:
            struct.pack_into("<L", data, position + 24, declared)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def overlapping(content: bytes) -> bytes:
    """Every central-directory entry pointing at the first member's body (Fifield's 'better
    zip bomb' reuses one compressed body this way)."""
    data = bytearray(content)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        struct.pack_into("<L", data, position + 42, 0)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)
