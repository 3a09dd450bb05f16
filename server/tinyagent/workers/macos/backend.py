"""MacOSBackend: the 16 TinyAgent tools performed on the Mac's own apps.

Arguments arrive validated against the tool registry (agent/tools.py), positionally. App work
goes through fixed AppleScript files run by ``osascript -- <file> <args...>`` (see runner.py);
Maps, Files and SMS drafts use ``open`` and ``mdfind``; Zoom is an HTTPS call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tinyagent.tools.registry import TOOL_NAMES, get_tool
from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos import calendar_app, contacts, files, mail, maps, messages, notes, zoom
from tinyagent.workers.macos.runner import SCRIPTS_DIR, Call
from tinyagent.workers.macos.scope import FileScope


def _s(value: object) -> str:
    # None is allowed for the nullable calendar fields; everything else is already a str.
    return "" if value is None else str(value)


def _strs(value: object) -> list[str]:
    """A list parameter; a bare string is a one-element list, as upstream's wrappers treat it."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    raise ToolFailure("invalid_argument", f"Expected a list of strings, got {type(value).__name__}.")


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ToolFailure("invalid_argument", f"{name} must be an integer.")
    return value


Handler = Callable[[Call, Sequence[object]], str]


class MacOSBackend:
    """Runs each tool call in the calling thread; holds no state between calls."""

    name = "macos"

    def __init__(
        self,
        *,
        zoom_config: zoom.ZoomConfig | None = None,
        scripts_dir: Path = SCRIPTS_DIR,
        file_scope: FileScope | None = None,
    ) -> None:
        self._zoom = zoom_config if zoom_config is not None else zoom.ZoomConfig.from_env()
        self._scripts_dir = scripts_dir
        self._files = file_scope if file_scope is not None else FileScope.from_env()
        self._handlers: Mapping[str, Handler] = self._build_handlers()

    def call(self, tool: str, args: Sequence[object], ctx: CallContext) -> str:
        handler = self._handlers.get(tool)
        if handler is None:
            raise ToolFailure("invalid_argument", f"Unknown tool {tool!r}.")
        # The server validated already; checking again keeps a bad call from indexing past args.
        if issues := get_tool(tool).check_args(args):
            raise ToolFailure("invalid_argument", "; ".join(i.message for i in issues))
        return handler(Call(ctx, self._scripts_dir, self._files), args)

    def close(self) -> None:
        """Nothing to release: subprocesses and HTTP clients live only for one call."""

    def _zoom_link(self, call: Call, a: Sequence[object]) -> str:
        if not self._zoom.token:
            raise ToolFailure("unavailable", zoom.NO_TOKEN)
        invitees = contacts.resolve_emails(call, _strs(a[3]))
        body = zoom.meeting_body(_s(a[0]), _s(a[1]), _int(a[2], "duration"), invitees, call.ctx.timezone)
        return zoom.create_meeting(self._zoom, body, call.remaining())

    def _build_handlers(self) -> dict[str, Handler]:
        cal, mails, note = calendar_app, mail, notes
        handlers: dict[str, Handler] = {
            "create_calendar_event": lambda c, a: cal.create_calendar_event(
                c, _s(a[0]), _s(a[1]), _s(a[2]), _s(a[3]), _strs(a[4]), _s(a[5]), _s(a[6])
            ),
            "get_phone_number": lambda c, a: contacts.get_phone_number(c, _s(a[0])),
            "get_email_address": lambda c, a: contacts.get_email_address(c, _s(a[0])),
            "open_and_get_file_path": lambda c, a: files.open_and_get_file_path(c, _s(a[0])),
            "summarize_pdf": lambda c, a: files.summarize_pdf(c, _s(a[0])),
            "compose_new_email": lambda c, a: mails.compose_new_email(
                c, _strs(a[0]), _strs(a[1]), _s(a[2]), _s(a[3]), _strs(a[4])
            ),
            "reply_to_email": lambda c, a: mails.reply_to_email(c, _strs(a[0]), _s(a[1]), _strs(a[2])),
            "forward_email": lambda c, a: mails.forward_email(c, _strs(a[0]), _strs(a[1]), _s(a[2]), _strs(a[3])),
            "maps_open_location": lambda c, a: maps.maps_open_location(c, _s(a[0])),
            "maps_show_directions": lambda c, a: maps.maps_show_directions(c, _s(a[0]), _s(a[1]), _s(a[2])),
            "create_note": lambda c, a: note.create_note(c, _s(a[0]), _s(a[1]), _s(a[2])),
            "open_note": lambda c, a: note.open_note(c, _s(a[0]), _s(a[1])),
            "append_note_content": lambda c, a: note.append_note_content(c, _s(a[0]), _s(a[1]), _s(a[2])),
            "create_reminder": lambda c, a: cal.create_reminder(
                c, _s(a[0]), _s(a[1]), _s(a[2]), _s(a[3]), _int(a[4], "priority"), bool(a[5])
            ),
            "send_sms": lambda c, a: messages.send_sms(c, _strs(a[0]), _s(a[1])),
            "get_zoom_meeting_link": self._zoom_link,
        }
        assert tuple(handlers) == TOOL_NAMES, "one handler per registry tool, in registry order"
        return handlers
