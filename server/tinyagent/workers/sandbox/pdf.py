"""PDF files of the sandbox: a minimal text-PDF writer (for the seeded documents) and text extraction.

The writer emits the smallest valid PDF that real readers (and pypdf) extract text from:
one Helvetica font, WinAnsi text, left-aligned lines, as many pages as needed. A full PDF
library would be a heavy dependency for a few seeded documents.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tinyagent.workers.backend import ToolFailure

MAX_TEXT_CHARS = 1_000_000  # a summary never needs more; keeps one protocol line bounded
_LINES_PER_PAGE = 46
_WRAP = 88


def _escape(line: str) -> bytes:
    text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return text.encode("cp1252", errors="replace")


def _page_stream(lines: list[str]) -> bytes:
    body = b"BT /F1 11 Tf 14 TL 72 770 Td\n"
    body += b"".join(b"(" + _escape(line) + b") Tj T*\n" for line in lines)
    return body + b"ET\n"


def write_text_pdf(path: Path, title: str, paragraphs: Sequence[str]) -> None:
    """Write ``title`` and ``paragraphs`` as a text PDF at ``path``."""
    lines = [title, ""]
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, _WRAP) or [""]
        lines.append("")
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    # Objects: 1 catalog, 2 page tree, 3 font, then a (page, content) pair per page.
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % n for n in page_ids) + b"] /Count %d >>" % len(pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for page_id, page_lines in zip(page_ids, pages, strict=True):
        stream = _page_stream(page_lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
    path.write_bytes(_assemble(objects))


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def extract_text(path: Path) -> str:
    """The document's text, whitespace collapsed (upstream joins lines with spaces too)."""
    try:
        reader = PdfReader(path)
        text = " ".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise ToolFailure("invalid_argument", f"Could not read {path.name} as a PDF: {exc}") from None
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise ToolFailure("failed", f"The PDF '{path.name}' has no extractable text.")
    return text[:MAX_TEXT_CHARS]
