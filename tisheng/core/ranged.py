"""A file as an HTTP response that honours one byte range (RFC 9110 §14): players and PDF
viewers seek without downloading everything. Shared by the lesson videos, the evidence files
and the resource library's files, so a fix to range handling is made once."""

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


def ranged_file_response(request: HttpRequest, path: Path, content_type: str) -> HttpResponse:
    """The whole file (200) without a Range header or with one we do not serve (several
    ranges, other units); the asked bytes (206) for one range, a suffix range included; 416
    for a range that starts past the end."""
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    match = RANGE_RE.match(header.strip()) if header else None
    if match is None or not (match[1] or match[2]):
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    else:  # a suffix range: the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    if start >= size or end < start:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(_file_range(path.open("rb"), start, length), status=206,
                                     content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response
