"""Files: the sandbox folder stands in for Spotlight. No file argument may leave that folder.

A value that looks like a path (absolute, ``~``, or containing a separator) must resolve,
symlinks followed, inside the folder, or it is refused with ``invalid_argument``. Anything
else is a display name: exact match (name, then name without extension, then without
case), else a fuzzy step: candidates whose name words (extensions and filler aside) hold the query's, or are
held by them, closest by difflib. Upstream's step took any file sharing a word, extensions included, so
"minutes.pdf" and "budget2025.pdf" opened Project.pdf and a mail went out with the wrong attachment
(bench/run_writes_tuning15.jsonl); "sales report" must not find "Quarterly Report" either.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.pdf import extract_text
from tinyagent.workers.sandbox.rows import timestamp
from tinyagent.workers.sandbox.world import World

NO_FILE = "No file found with exact or fuzzy name."


def _looks_like_path(value: str) -> bool:
    return value.startswith(("/", "~", ".")) or "/" in value or "\\" in value


def _inside(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise ToolFailure("invalid_argument", f"'{path}' is outside the sandbox files folder.")
    return resolved


def _from_path(root: Path, value: str) -> Path:
    raw = Path(value).expanduser()
    path = raw if raw.is_absolute() else root / raw
    resolved = _inside(root, path)
    if not resolved.is_file():
        raise ToolFailure("not_found", NO_FILE)
    return resolved


def _all_files(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):  # symlinked folders are not entered
        dirnames.sort()
        found += [Path(dirpath) / name for name in sorted(filenames)]
    return found


def _exact(files: list[Path], name: str) -> Path | None:
    """Spotlight's display name: the file name, or the name without its (hidden) extension."""
    folded = name.casefold()
    for hit in (
        next((p for p in files if p.name == name), None),
        next((p for p in files if p.stem == name), None),
        next((p for p in files if folded in (p.name.casefold(), p.stem.casefold())), None),
    ):
        if hit is not None:
            return hit
    return None


# Words that say a file is meant, not which one.
_FILLER = frozenset({"the", "a", "an", "my", "of", "file", "document", "doc", "pdf"})


# Extensions a name's words leave out ("report.final" and "john.smith" keep their last words).
_EXTENSIONS = frozenset(
    [
        "pdf",
        "txt",
        "md",
        "rtf",
        "doc",
        "docx",
        "odt",
        "pages",
        "xls",
        "xlsx",
        "csv",
        "numbers",
        "ppt",
        "pptx",
        "key",
        "jpg",
        "jpeg",
        "png",
        "heic",
        "gif",
        "zip",
        "mov",
        "mp4",
        "mp3",
        "m4a",
        "json",
        "html",
        "eml",
    ]
)


def _name_words(name: str) -> frozenset[str]:
    """A name's words, "_" splitting them as spaces do."""
    suffix = Path(name).suffix
    stem = name[: -len(suffix)] if suffix[1:].lower() in _EXTENSIONS else name
    return frozenset(re.findall(r"[^\W_]+", stem.casefold())) - _FILLER


def _by_name(root: Path, name: str) -> Path:
    files = _all_files(root)
    hit = _exact(files, name)
    if hit is not None:
        return _inside(root, hit)
    wanted = _name_words(name)
    words = {p: _name_words(p.name) for p in files}
    candidates = [p for p in files if wanted and _holds(wanted, words[p])]
    stems = [" ".join(sorted(words[p])) for p in candidates]
    best = difflib.get_close_matches(" ".join(sorted(wanted)), stems, n=1, cutoff=0.0)
    if not best:
        raise ToolFailure("not_found", NO_FILE)
    return _inside(root, candidates[stems.index(best[0])])


def _holds(wanted: frozenset[str], words: frozenset[str]) -> bool:
    """ "apple demo slides" names Apple Demo.pdf, "quarterly" Quarterly Report.pdf; a file whose words are a part
    of the request's must have half of them ("minutes of the budget meeting" is not Budget.pdf)."""
    if not words:
        return False
    return wanted <= words or (words <= wanted and 2 * len(words) >= len(wanted))


def resolve_file(world: World, value: str) -> Path:
    """The file ``value`` designates (path or display name), inside the sandbox folder."""
    root = world.files_root()
    text = value.strip()
    if not text:
        raise ToolFailure("invalid_argument", "A file name is required.")
    return _from_path(root, text) if _looks_like_path(text) else _by_name(root, text)


def resolve_attachments(world: World, values: list[str]) -> list[str]:
    paths = []
    for value in (v for v in values if v.strip()):
        try:
            paths.append(str(resolve_file(world, value)))
        except ToolFailure as exc:
            message = f"{exc.message[:-1]}: '{value}'." if exc.message == NO_FILE else exc.message
            raise ToolFailure(exc.code, message) from None
    return paths


def open_and_get_file_path(world: World, _ctx: CallContext, file_name: str) -> str:
    path = resolve_file(world, file_name)
    with world.db() as conn:
        conn.execute("INSERT INTO opened_files (path, opened_at) VALUES (?, ?)", (str(path), timestamp()))
    return str(path)


def summarize_pdf(world: World, _ctx: CallContext, pdf_path: str) -> str:
    """The PDF's text: the summary itself is a model call the server makes (protocol kind pdf_text)."""
    path = resolve_file(world, pdf_path)
    if path.suffix.casefold() != ".pdf":
        raise ToolFailure("invalid_argument", f"'{path.name}' is not a PDF file.")
    return extract_text(path)
