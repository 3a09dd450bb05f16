"""Which files the tools may find, open and attach: only under the user's own document folders.

Spotlight sees the whole disk. Before, any request could open or attach the nearest-named file
anywhere (``~/.ssh`` included), and ``open`` would launch an ``.app`` or run a ``.command``. Now a
file must lie under one of the folders (default: Documents, Desktop, Downloads and iCloud Drive;
``TINYAGENT_FILE_FOLDERS`` replaces them, separated by ':'), with no hidden folder or bundle on the
way, symlinks resolved first; and ``open`` never gets an executable, a bundle or a file that runs
or redirects when opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ENV = "TINYAGENT_FILE_FOLDERS"
DEFAULT_FOLDERS = ("~/Documents", "~/Desktop", "~/Downloads", "~/Library/Mobile Documents/com~apple~CloudDocs")
# Directories macOS shows as one item and runs or installs when opened.
BUNDLES = frozenset({".app", ".bundle", ".framework", ".plugin", ".kext", ".pkg", ".mpkg", ".workflow", ".scptd"})
# Files that run something, or send the opener elsewhere, when opened.
NOT_OPENED = BUNDLES | frozenset(
    {
        ".command",
        ".tool",
        ".terminal",
        ".sh",
        ".zsh",
        ".bash",
        ".csh",
        ".scpt",
        ".applescript",
        ".jar",
        ".dmg",
        ".webloc",
        ".inetloc",
        ".fileloc",
        ".url",
        ".shortcut",
    }
)


@dataclass(frozen=True)
class FileScope:
    folders: tuple[Path, ...]

    @classmethod
    def from_env(cls) -> FileScope:
        raw = os.environ.get(ENV, "")
        return cls.of(raw.split(os.pathsep) if raw.strip() else DEFAULT_FOLDERS)

    @classmethod
    def of(cls, folders: Sequence[str | Path]) -> FileScope:
        return cls(tuple(Path(os.path.realpath(os.path.expanduser(str(f)))) for f in folders if str(f).strip()))

    def describe(self) -> str:
        return ", ".join(str(f) for f in self.folders)

    def allows(self, path: str) -> bool:
        """Under a folder, through no hidden folder or bundle (symlinks resolved)."""
        real = Path(os.path.realpath(path))
        for folder in self.folders:
            if real.is_relative_to(folder):
                inner = real.relative_to(folder).parts
                return bool(inner) and not any(p.startswith(".") or Path(p).suffix.lower() in BUNDLES for p in inner)
        return False

    def may_open(self, path: str) -> bool:
        """Allowed, and neither executable nor a kind of file that runs or redirects when opened."""
        if not self.allows(path) or Path(path).suffix.lower() in NOT_OPENED:
            return False
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return True  # Spotlight's hit vanished: `open` will say so
        return not (stat.S_ISREG(mode) and mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
