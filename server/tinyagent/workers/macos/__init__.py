"""The macOS tool backend: the 16 tools on Calendar, Contacts, Mail, Notes, Reminders, Messages,
Maps, Spotlight and Zoom."""

from __future__ import annotations

from pathlib import Path

from tinyagent.workers.macos.backend import MacOSBackend


def create_backend(data_dir: Path) -> MacOSBackend:  # noqa: ARG001 - the launcher's backend factory signature
    """The launcher's entry point (workers/launch.py); the apps hold the data, not ``data_dir``."""
    return MacOSBackend()


__all__ = ["MacOSBackend", "create_backend"]
