"""The sandbox backend: the 16 tools against a simulated world in SQLite (any OS, tests, demos)."""

from tinyagent.workers.sandbox.backend import SandboxBackend, create_backend
from tinyagent.workers.sandbox.world import World

__all__ = ["SandboxBackend", "World", "create_backend"]
