"""Running osascript, open and mdfind for one tool call, within the call's deadline.

Every command is an argument list handed to ``subprocess.run`` (never a shell), and every
AppleScript is a fixed file from ``scripts/`` that reads its inputs from ``on run argv``:
user text travels as argv items and never becomes AppleScript source.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos.scope import FileScope

SCRIPTS_DIR = Path(__file__).with_name("scripts")
NOT_ON_MACOS = "This method is only supported on MacOS"

# osascript error numbers that mean "not allowed" rather than "went wrong": -1743 is a denied
# Automation permission, -1744 one the user has not been asked for yet, -10004 a privilege violation.
_PERMISSION_ERRORS = ("(-1743)", "(-1744)", "(-10004)")
_ERROR_PREFIX = re.compile(r"^.*?execution error: ")
_ERROR_SUFFIX = re.compile(r"\s*\(-?\d+\)\s*$")


@dataclass(frozen=True)
class ScriptResult:
    """A script's first output line (a status word) and everything after it."""

    status: str
    payload: str


def check_arg(value: str) -> str:
    # An argv item cannot hold NUL; rejecting it here gives a clear message instead of a ValueError.
    if "\x00" in value:
        raise ToolFailure("invalid_argument", "Arguments cannot contain NUL characters.")
    return value


def clean_error(stderr: str) -> str:
    """osascript's ``file: execution error: Message (-1728)`` reduced to ``Message``."""
    text = stderr.strip().splitlines()[-1] if stderr.strip() else "unknown error"
    return _ERROR_SUFFIX.sub("", _ERROR_PREFIX.sub("", text)).strip() or "unknown error"


class Call:
    """The commands of one tool call; all of them share the call's deadline."""

    def __init__(self, ctx: CallContext, scripts_dir: Path = SCRIPTS_DIR, files: FileScope | None = None) -> None:
        self.ctx = ctx
        self.scripts_dir = scripts_dir
        self.files = files if files is not None else FileScope.from_env()
        self._deadline = time.monotonic() + max(ctx.deadline_s, 0.0)

    def remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise ToolFailure("failed", "The action ran out of time.")
        return left

    def command(self, argv: Sequence[str]) -> str:
        """Run a command and return its stdout; a non-zero exit raises ToolFailure(failed)."""
        done = self._run(argv)
        if done.returncode != 0:
            raise ToolFailure("failed", f"Error: {done.stderr.strip() or f'{argv[0]} failed'}")
        return done.stdout

    def script(self, name: str, args: Sequence[str], *, app: str) -> ScriptResult:
        """Run ``scripts/<name>.applescript`` with ``args`` as its argv.

        ``app`` names the application in permission errors. Script errors raise
        ToolFailure(failed) with osascript's message; callers add upstream's wording.
        """
        path = self.scripts_dir / f"{name}.applescript"
        # "--" ends osascript's options: it parses them with getopt ("osascript: illegal option -- 1" for a
        # "-1" after -e, k0kubun/md2key#34), and whether words after the script file are parsed too is not
        # documented; a note that starts "-e" must reach the script as text either way.
        done = self._run(["osascript", "--", str(path), *args])
        if done.returncode != 0:
            if any(code in done.stderr for code in _PERMISSION_ERRORS):
                raise ToolFailure(
                    "unavailable",
                    f"TinyAgent is not allowed to control {app}. Allow it in System Settings > "
                    "Privacy & Security > Automation.",
                )
            raise ToolFailure("failed", clean_error(done.stderr))
        out = done.stdout.removesuffix("\n")
        status, _, payload = out.partition("\n")
        return ScriptResult(status.strip(), payload)

    def _run(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        args = [check_arg(a) for a in argv]
        timeout = self.remaining()
        try:
            return subprocess.run(
                args,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise ToolFailure("unavailable", NOT_ON_MACOS) from None
        except subprocess.TimeoutExpired:
            # Not "failed": the Apple Event was delivered before osascript was killed, so the app may
            # still create the event or send the mail. The server does not retry a write that timed out.
            raise ToolFailure("timeout", f"The action did not finish within {timeout:.0f} s.") from None


def unexpected(result: ScriptResult, name: str) -> ToolFailure:
    return ToolFailure("failed", f"Unexpected output from the {name} script: {result.status!r}")
