"""Notes: create, open (exact, then fuzzy name match in Python) and append.

Upstream had a model (NotesAgent) write the note's HTML; here the worker builds it, escaping
every user string, so user text never becomes markup either.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from html.parser import HTMLParser

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.runner import Call, unexpected

CREATED = "Note created and focused successfully."
NO_NOTES = "No notes found after fuzzy matching."
# Opening or appending to an unrelated note is worse than saying none matched (upstream's cutoff
# is not documented; difflib's default is used).
FUZZY_CUTOFF = 0.6
_BLOCK_TAGS = frozenset({"div", "p", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "ul", "ol"})


def to_html(text: str) -> str:
    """Plain text as Notes HTML: one ``<div>`` per line, everything escaped."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "".join(f"<div>{html.escape(line) if line else '<br>'}</div>" for line in lines)


def note_html(name: str, content: str) -> str:
    # Notes takes a note's title from the first line of its body.
    return f"<div><h1>{html.escape(name)}</h1></div>{to_html(content)}"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(body: str) -> str:
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(lines).strip()


@dataclass(frozen=True)
class NoteRef:
    id: str
    name: str


def _list(call: Call, folder: str) -> list[NoteRef]:
    result = call.script("notes_list", [folder.strip()], app="Notes")
    if result.status != "ok":
        raise unexpected(result, "notes")
    refs = []
    for record in result.payload.split("\x1e"):
        note_id, sep, name = record.partition("\x1f")
        if sep:
            refs.append(NoteRef(note_id, name))
    return refs


def find_note(call: Call, name: str, folder: str) -> NoteRef:
    notes = _list(call, folder)
    wanted = name.strip()
    for note in notes:
        if note.name == wanted:
            return note
    by_name = {n.name.casefold(): n for n in reversed(notes)}
    close = difflib.get_close_matches(wanted.casefold(), list(by_name), n=1, cutoff=FUZZY_CUTOFF)
    if not close:
        raise ToolFailure("not_found", NO_NOTES)
    return by_name[close[0]]


def create_note(call: Call, name: str, content: str, folder: str) -> str:
    if not name.strip():
        raise ToolFailure("invalid_argument", "A note needs a name.")
    result = call.script("notes_create", [folder.strip(), note_html(name, content)], app="Notes")
    if result.status != "ok":
        raise unexpected(result, "notes")
    return CREATED


def open_note(call: Call, name: str, folder: str) -> str:
    note = find_note(call, name, folder)
    result = call.script("notes_read", [note.id], app="Notes")
    if result.status == "not_found":
        raise ToolFailure("not_found", NO_NOTES)
    if result.status != "ok":
        raise unexpected(result, "notes")
    return html_to_text(result.payload)


def append_note_content(call: Call, name: str, content: str, folder: str) -> str:
    note = find_note(call, name, folder)
    result = call.script("notes_append", [note.id, to_html(content)], app="Notes")
    if result.status == "not_found":
        raise ToolFailure("not_found", NO_NOTES)
    if result.status != "ok":
        raise unexpected(result, "notes")
    return f"Content appended to note '{result.payload.strip() or note.name}' successfully."
