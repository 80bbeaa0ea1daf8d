"""Text extraction from one evidence file, run as a child process with its own limits.

    python -m tisheng.practice.textextract MEMORY_BYTES CPU_SECONDS CONTENT_TYPE PATH

A hostile .docx (31 KB of zip holding 10 MB of XML) cost a web worker 16 s and 220 MB, and a
parser bug could cost it everything. Here the child first lowers its own address-space and
CPU limits (setrlimit before any parser is imported: thread-safe, unlike a preexec_fn in a
threaded parent), then runs the Office-file guard (core.officefiles) or pypdf's limits and
the page count, then the parser; the parent (practice.services.evidence) adds a wall-clock
timeout. Whatever happens, only this file's extraction fails.

It prints one JSON object: {"text": "..."} or {"error": REASON, "message": msgid, "params": {}}
with REASON one of core.officefiles.TOO_LARGE / DAMAGED. No Django: the child starts in
~0.2 s and the parent translates.
"""

from __future__ import annotations

import json
import resource
import sys

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF = "application/pdf"

MAX_TEXT_CHARS = 500_000  # far more than the similarity check reads; bounds the answer
# Office parts are mostly XML; evidence documents hold far less than a roster's 256 MB.
OFFICE_MAX_TOTAL_BYTES = 128 * 1024 * 1024


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def extract(path: str, content_type: str) -> str:
    from tisheng.core import officefiles

    if content_type in (DOCX, PPTX):
        officefiles.check_office_zip(path, limits=officefiles.Limits(max_total_bytes=OFFICE_MAX_TOTAL_BYTES))
    if content_type == DOCX:
        import docx

        document = docx.Document(path)
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            parts += [cell.text for row in table.rows for cell in row.cells]
        return "\n".join(p for p in parts if p.strip())
    if content_type == PPTX:
        from pptx import Presentation

        parts = []
        for slide in Presentation(path).slides:
            for shape in slide.shapes:
                if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                    parts.append(shape.text_frame.text)
        return "\n".join(p for p in parts if p.strip())
    if content_type == PDF:
        from pypdf import PdfReader

        with officefiles.pdf_limits():
            reader = PdfReader(path)
            officefiles.check_pdf_pages(len(reader.pages))
            texts, length = [], 0
            for page in reader.pages:
                text = page.extract_text() or ""
                texts.append(text)
                length += len(text)
                if length > MAX_TEXT_CHARS:
                    break
            return "\n".join(texts).strip()
    return ""


def _out_of_memory(exc: BaseException | None) -> bool:
    """A MemoryError, or what a parser made of one (lxml: "Memory allocation failed"; an
    import that could not allocate)."""
    while exc is not None:
        if isinstance(exc, MemoryError | ImportError) or "memory" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _near_memory_limit(memory_bytes: int) -> bool:
    """Whether the process came within a tenth of its address-space limit: parsers report a
    failed allocation in their own words (lxml: "unknown error"), the peak tells."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= 0.9 * memory_bytes
    except (OSError, ValueError, IndexError):
        pass
    return False


def main(argv: list[str]) -> int:
    memory_bytes, cpu_seconds, content_type, path = int(argv[0]), int(argv[1]), argv[2], argv[3]
    limit_resources(memory_bytes, cpu_seconds)
    from tisheng.core import officefiles

    try:
        answer = {"text": extract(path, content_type)[:MAX_TEXT_CHARS]}
    except officefiles.OfficeFileRefused as refused:
        answer = {"error": refused.reason, "message": refused.msgid, "params": refused.params}
    except Exception as exc:  # noqa: BLE001 - whatever a parser raises, this file has no text
        too_large = _out_of_memory(exc) or _near_memory_limit(memory_bytes)
        reason = officefiles.TOO_LARGE if too_large else officefiles.DAMAGED
        answer = {"error": reason, "message": "", "params": {}}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
