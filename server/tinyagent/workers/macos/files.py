"""Files: Spotlight look-up with a fuzzy fallback, opening files, and PDF text for summaries.

Spotlight safety: no query string is ever built from user text. ``mdfind -name <text>`` takes
the file name as the value of ``-name`` (so a name starting with ``-`` is still a value, not an
option), and Spotlight treats it as a literal name fragment. Upstream's
``kMDItemDisplayName == '{name}'`` query was injectable through quotes.

Only files under the user's document folders are found, opened or attached (scope.py), and a
fuzzy match must be close (``MIN_SIMILARITY``): before, the cutoff was 0, so any request found
the nearest-named file anywhere.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from pathlib import Path, PurePosixPath

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.runner import Call

NO_FILE = "No file found with exact or fuzzy name."
NO_FUZZY_FILE = "No file found after fuzzy matching."
# Spotlight can return thousands of hits for a short name; the best match is among the first ones.
_MAX_CANDIDATES = 500
# difflib's ratio: "quartely report.pdf" ~ "quarterly report.pdf" is 0.97, "report.pdf" ~ "id_rsa" 0.25.
MIN_SIMILARITY = 0.6
# The model reads the text back; more than this would not fit any context it has anyway.
MAX_PDF_CHARS = 200_000


def _existing(call: Call, path: str) -> str | None:
    expanded = os.path.expanduser(path)
    if not (os.path.isabs(expanded) and os.path.exists(expanded)):
        return None
    if not call.files.allows(expanded):
        raise ToolFailure(
            "invalid_argument", f"{path} is outside the folders files may come from ({call.files.describe()})."
        )
    return expanded


def _mdfind_name(call: Call, fragment: str) -> list[str]:
    out = call.command(["mdfind", "-name", fragment])
    # Filtered before the cap, so hits elsewhere on the disk cannot crowd out the user's files.
    hits = [line for line in out.splitlines() if line.startswith("/") and call.files.allows(line)]
    return hits[:_MAX_CANDIDATES]


def _key(name: str) -> str:
    # macOS stores names decomposed (NFD); what the model writes is usually composed (NFC).
    return unicodedata.normalize("NFC", name).casefold()


def _best(name: str, hits: list[str]) -> str | None:
    wanted = _key(name)
    for hit in hits:
        if _key(PurePosixPath(hit).name) == wanted:
            return hit
    names = {_key(PurePosixPath(h).name): h for h in reversed(hits)}
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=MIN_SIMILARITY)
    return names[close[0]] if close else None


def find_file(call: Call, file_name: str) -> str:
    """An existing path as is; else the Spotlight hit whose name matches exactly, else the closest."""
    name = file_name.strip()
    if not name:
        raise ToolFailure("invalid_argument", "A file name is required.")
    if (path := _existing(call, name)) is not None:
        return path
    hits = _mdfind_name(call, name)
    stem = PurePosixPath(name).stem
    if not hits and stem and stem != name:
        # "report.pdf" finds nothing when the file is "report.PDF.pdf" or "report v2.pdf".
        hits = _mdfind_name(call, stem)
    if not hits:
        raise ToolFailure("not_found", NO_FILE)
    best = _best(name, hits)
    if best is None:
        raise ToolFailure("not_found", NO_FUZZY_FILE)
    return best


def resolve_path(call: Call, entry: str) -> str:
    return _existing(call, entry) or find_file(call, entry)


def open_and_get_file_path(call: Call, file_name: str) -> str:
    path = find_file(call, file_name)
    if not call.files.may_open(path):
        raise ToolFailure("invalid_argument", f"{PurePosixPath(path).name} is a program or a link; it is not opened.")
    call.command(["open", path])
    return path


def pdf_text(path: Path) -> str:
    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise ToolFailure("invalid_argument", f"Could not read {path.name} as a PDF: {exc}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ToolFailure("failed", f"{path.name} has no extractable text (it may be a scanned image).")
    return text[:MAX_PDF_CHARS]


def summarize_pdf(call: Call, pdf_path: str) -> str:
    """The PDF's text. The summary itself is a model call the server makes with this text."""
    path = Path(resolve_path(call, pdf_path))
    if not path.is_file():
        raise ToolFailure("invalid_argument", f"{path} is not a file.")
    return pdf_text(path)
