"""A file as an HTTP response that honours one byte range (RFC 9110 §14): players and PDF
viewers seek without downloading everything. Shared by the lesson videos, the evidence files
and the resource library's files, and (`byte_range`) by files streamed from the object store
(core/storage_files.py), so a fix to range handling is made once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _file_range(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    handle.seek(start)
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


class RangeNotSatisfiable(Exception):
    """The one range asked for starts past the end of the file."""


def byte_range(request: HttpRequest, size: int) -> tuple[int, int] | None:
    """The one byte range `request` asks for in a file of `size` bytes, as (start, end) with the end
    included; None for the whole file (no Range header, or one we do not serve: several ranges,
    other units). A suffix range (`bytes=-N`) is the last N bytes; an end past the file is its
    last byte. Raises RangeNotSatisfiable for a range that starts past the end."""
    header = request.headers.get("Range", "")
    match = RANGE_RE.match(header.strip()) if header else None
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    else:  # a suffix range: the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable
    return start, end


def range_not_satisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def partial_response(chunks: Iterator[bytes], start: int, end: int, size: int, content_type: str) -> HttpResponse:
    """206 with the bytes start..end (included) of a file of `size` bytes."""
    response = StreamingHttpResponse(chunks, status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def ranged_file_response(request: HttpRequest, path: Path, content_type: str) -> HttpResponse:
    """The whole file (200) without a Range header or with one we do not serve (several
    ranges, other units); the asked bytes (206) for one range, a suffix range included; 416
    for a range that starts past the end."""
    size = path.stat().st_size
    try:
        asked = byte_range(request, size)
    except RangeNotSatisfiable:
        return range_not_satisfiable(size)
    if asked is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = asked
    return partial_response(_file_range(path.open("rb"), start, end - start + 1), start, end, size, content_type)
