"""Entry points: ``tinyagent worker`` (``worker_main``) and backend selection.

A backend package exposes ``create_backend(data_dir: Path) -> ToolBackend``; this module
imports it by name, so the worker never imports a backend it does not run (the macOS one
needs macOS, the sandbox one pypdf).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, cast

from tinyagent.workers.backend import ToolBackend
from tinyagent.workers.process import run_worker

BACKENDS = ("macos", "sandbox")
BACKEND_ENV = "TINYAGENT_TOOL_BACKEND"
DATA_DIR_ENV = "TINYAGENT_DATA_DIR"
EXIT_USAGE = 2


def default_backend_name() -> str:
    """TINYAGENT_TOOL_BACKEND if set, else macos on macOS and the sandbox elsewhere."""
    chosen = os.environ.get(BACKEND_ENV, "").strip().lower()
    if chosen:
        return chosen
    return "macos" if platform.system() == "Darwin" else "sandbox"


def resolve_data_dir(value: str | Path | None = None) -> Path:
    """--data-dir, else TINYAGENT_DATA_DIR, else the settings' default."""
    if value:
        return Path(value).expanduser()
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser()
    from tinyagent.settings import default_data_dir  # only here: it imports pydantic-settings

    return default_data_dir()


def load_backend(name: str, data_dir: Path) -> ToolBackend:
    """Import ``tinyagent.workers.<name>`` and build its backend; ValueError for unknown names."""
    if name not in BACKENDS:
        raise ValueError(f"unknown tool backend '{name}' (choose from {', '.join(BACKENDS)})")
    module = importlib.import_module(f"tinyagent.workers.{name}")
    return cast(ToolBackend, module.create_backend(data_dir))


def worker_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinyagent worker", description="Run a tool worker (JSON Lines on stdio, or on a Unix socket)."
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help=f"Tool backend (default: ${BACKEND_ENV}, else macos on macOS, sandbox elsewhere).",
    )
    parser.add_argument(
        "--socket",
        type=Path,
        default=None,
        metavar="PATH",
        help="Listen on this Unix socket (mode 0600) instead of stdin/stdout.",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help=f"Data directory (default: ${DATA_DIR_ENV}, else the server's default).",
    )
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    return parser


def _protocol_streams() -> tuple[BinaryIO, BinaryIO]:
    """Take fd 0/1 for the protocol and point the originals elsewhere.

    A backend that prints, or a subprocess it runs (osascript), would otherwise write into
    the protocol stream or read calls meant for the worker.
    """
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return proto_in, proto_out


def worker_main(argv: Sequence[str] | None = None) -> int:
    """``tinyagent worker``: the exit code (0 after a clean shutdown)."""
    args = worker_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s worker[%(process)d] %(levelname)s %(message)s",
    )
    name = args.backend or default_backend_name()
    try:
        backend = load_backend(name, resolve_data_dir(args.data_dir))
    except (ValueError, ImportError, OSError) as exc:
        logging.getLogger("tinyagent.worker").error("cannot start the %s backend: %s", name, exc)
        return EXIT_USAGE
    if args.socket is not None:
        return run_worker(backend, socket_path=args.socket)
    stdin, stdout = _protocol_streams()
    return run_worker(backend, stdin=stdin, stdout=stdout)
