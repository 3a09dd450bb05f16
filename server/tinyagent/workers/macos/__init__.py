"""The macOS tool backend: the 16 tools on Calendar, Contacts, Mail, Notes, Reminders, Messages,
Maps, Spotlight and Zoom."""

from tinyagent.workers.macos.backend import MacOSBackend

__all__ = ["MacOSBackend"]
