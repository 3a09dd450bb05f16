"""``tinyagent doctor --macos``: what works on this Mac, checked before a run needs it.

Every shipped script must compile (``osacompile``); each app the tools drive gets one read-only Apple
Event (scripts/doctor_probe.applescript), so macOS asks for the Automation permission now, or the
table says it was refused and where to allow it; the file folders and the Zoom token are reported.
Nothing is created, sent or changed, unless ``--write`` asks for a round trip in Notes, Reminders and
Calendar: a throwaway folder, list and calendar named "TinyAgent doctor <time>" are created, written to,
read back and deleted (scripts/doctor_roundtrip.applescript).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos.runner import SCRIPTS_DIR, Call
from tinyagent.workers.macos.scope import FileScope

# The apps the 16 tools drive, with what a count of their items means.
APPS = (
    ("Contacts", "contacts"),
    ("Calendar", "calendars"),
    ("Reminders", "lists"),
    ("Notes", "folders"),
    ("Mail", "accounts"),
    ("Messages", "enabled accounts"),
)
ALLOW_HINT = "allow it in System Settings > Privacy & Security > Automation"


@dataclass(frozen=True)
class Check:
    area: str
    name: str
    ok: bool
    detail: str


def compile_checks(new_call: Callable[[], Call], scripts_dir: Path = SCRIPTS_DIR) -> list[Check]:
    checks = []
    with tempfile.TemporaryDirectory() as out:
        for script in sorted(scripts_dir.glob("*.applescript")):
            try:
                new_call().command(["osacompile", "-o", str(Path(out) / "check.scpt"), str(script)])
                checks.append(Check("scripts", script.stem, True, "compiles"))
            except ToolFailure as failure:
                detail = failure.message.removeprefix("Error: ").replace(str(script), script.name)
                checks.append(Check("scripts", script.stem, False, detail))
    return checks


def permission_checks(new_call: Callable[[], Call]) -> list[Check]:
    return [_probe(new_call(), app, noun) for app, noun in APPS]


def _probe(call: Call, app: str, noun: str) -> Check:
    try:
        result = call.script("doctor_probe", [app], app=app)
    except ToolFailure as failure:
        return Check("apps", app, False, _failure_detail(failure))
    if result.status != "ok":
        return Check("apps", app, False, f"unexpected answer {result.status!r}")
    count = result.payload.strip()
    if app == "Messages" and count == "0":
        return Check("apps", app, False, "allowed, but no iMessage or SMS account is enabled")
    return Check("apps", app, True, f"allowed ({count} {noun})")


def _failure_detail(failure: ToolFailure) -> str:
    """A refused Automation permission says where to allow it; anything else is osascript's message."""
    return f"not allowed: {ALLOW_HINT}" if failure.code == "unavailable" else failure.message


WRITE_APPS = ("Notes", "Reminders", "Calendar")


def write_checks(new_call: Callable[[], Call], stamp: str) -> list[Check]:
    """One write round trip per app, in a container of its own that is deleted again."""
    name = f"TinyAgent doctor {stamp}"
    return [_round_trip(new_call(), app, name) for app in WRITE_APPS]


def _round_trip(call: Call, app: str, name: str) -> Check:
    try:
        result = call.script("doctor_roundtrip", [app, name], app=app)
    except ToolFailure as failure:
        return Check("writes", app, False, _failure_detail(failure))
    if result.status != "ok" or result.payload.strip() != name:
        return Check("writes", app, False, f"wrote, but read back {result.payload.strip()!r}")
    return Check("writes", app, True, "created, read back and deleted a test item")


def setting_checks(scope: FileScope, zoom_token: str | None) -> list[Check]:
    home = str(Path.home())
    checks = [
        Check("files", _tilde(str(f), home), f.is_dir(), "searched" if f.is_dir() else "missing") for f in scope.folders
    ]
    zoom = Check("zoom", "token", bool(zoom_token), "set" if zoom_token else "not set: TINYAGENT_ZOOM_TOKEN")
    return [*checks, zoom]


def _tilde(path: str, home: str) -> str:
    return "~" + path[len(home) :] if path == home or path.startswith(home + "/") else path


def run_doctor(
    scope: FileScope, zoom_token: str | None, *, deadline_s: float = 30.0, write_stamp: str | None = None
) -> list[Check]:
    """``write_stamp``: run the write round trips, in containers named with it."""

    def new_call() -> Call:
        return Call(
            CallContext(call_id="doctor", deadline_s=deadline_s, timezone="UTC", send_drafts=False), files=scope
        )

    writes = write_checks(new_call, write_stamp) if write_stamp is not None else []
    return [*compile_checks(new_call), *permission_checks(new_call), *writes, *setting_checks(scope, zoom_token)]


def render(checks: Sequence[Check]) -> str:
    """A table a person reads top to bottom; the last line says whether everything works."""
    width = max((len(c.name) for c in checks), default=4)
    lines = [f"{'':3}{'area':8}{'check':{width + 2}}result"]
    lines += [f"{'ok' if c.ok else '!!':2} {c.area:7} {c.name:{width + 1}} {c.detail}" for c in checks]
    failed = sum(not c.ok for c in checks)
    lines.append("Everything works." if not failed else f"{failed} of {len(checks)} checks need attention.")
    return "\n".join(lines)
