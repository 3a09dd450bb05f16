"""The ``tinyagent`` command. Flags are generated from Settings, so --help shows each field's description."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import SecretStr, ValidationError

from tinyagent.errors import ModelLoadError
from tinyagent.settings import Settings

log = logging.getLogger("tinyagent")

EXIT_CONFIG = 2
EXIT_MODEL = 3


def _base_type(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _base_type(args[0])
    return annotation


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field; unset flags stay unset so env vars and defaults apply."""
    for name, field in Settings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        kind = _base_type(field.annotation)
        help_text = field.description or ""
        common: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": help_text}
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, **common)
        elif get_origin(kind) is list:
            parser.add_argument(flag, nargs="*", metavar="VALUE", **common)
        elif kind in (int, float):
            parser.add_argument(flag, type=kind, **common)
        elif kind in (str, Path, SecretStr) or get_origin(kind) is None:
            parser.add_argument(flag, metavar=name.upper(), **common)
        else:  # Literal choices
            parser.add_argument(flag, choices=get_args(kind), **common)


def settings_from_args(args: argparse.Namespace) -> Settings:
    values = {name: getattr(args, name) for name in Settings.model_fields if hasattr(args, name)}
    return Settings(**values)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tinyagent.app import create_app
    from tinyagent.memory import return_freed_memory
    from tinyagent.models.resolve import resolve_model

    settings = settings_from_args(args)
    _configure(settings)
    return_freed_memory()  # before the model and the caches allocate anything
    try:
        resolved = None if settings.llm_base_url else resolve_model(settings)
    except ModelLoadError as exc:
        log.error("cannot load the model: %s", exc)
        return EXIT_MODEL
    failure: list[str] = []

    def on_fatal(message: str) -> None:
        failure.append(message)
        server.should_exit = True

    app = create_app(settings, resolved=resolved, on_fatal=on_fatal)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    server.run()
    return EXIT_MODEL if failure else 0


def _models(_: argparse.Namespace) -> int:
    from tinyagent.models.catalogue import describe_catalogue

    for line in describe_catalogue():
        print(line)  # noqa: T201 - CLI output
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from tinyagent.openapi import export_openapi

    text = json.dumps(export_openapi(), indent=2, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _llama_info(args: argparse.Namespace) -> int:
    from tinyagent.inference.llama_build import installed_build

    engine = installed_build()
    print(f"llama-cpp-python {engine.version}, baseline {engine.baseline}: {engine.system_info}")  # noqa: T201
    for problem in engine.problems:
        print(f"not portable: {problem}", file=sys.stderr)  # noqa: T201
    if engine.problems and args.check:
        print("Rebuild it for the baseline: rm -rf .venv && make install", file=sys.stderr)  # noqa: T201
        return 1
    return 0


def _configure(settings: Settings) -> None:
    from tinyagent.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.log_json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyagent", description="TinyAgent Server: local agents on small models.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="Start the server.")
    add_settings_arguments(serve)
    serve.set_defaults(handler=_serve)
    models = commands.add_parser("models", help="List the model catalogue.")
    models.set_defaults(handler=_models)
    openapi = commands.add_parser("openapi", help="Print the OpenAPI spec (or write it with --out).")
    openapi.add_argument("--out", help="File to write.")
    openapi.set_defaults(handler=_openapi)
    llama = commands.add_parser("llama-info", help="Show the CPU features llama.cpp was built for.")
    llama.add_argument("--check", action="store_true", help="Exit 1 unless it is the portable baseline build.")
    llama.set_defaults(handler=_llama_info)
    for name, help_text in DELEGATED_HELP.items():
        commands.add_parser(name, add_help=False, help=help_text)
    return parser


# Subcommands that own their argument parsing (their flags are not Settings fields).
DELEGATED: dict[str, tuple[str, str]] = {
    "plan": ("tinyagent.cli.plan", "plan_main"),
    "run": ("tinyagent.cli.run", "run_main"),
    "eval": ("tinyagent.cli.eval", "eval_main"),
    "eval-tools": ("tinyagent.cli.eval_tools", "eval_tools_main"),
    "tools": ("tinyagent.cli.tools", "tools_main"),
    "doctor": ("tinyagent.cli.doctor", "doctor_main"),
    "worker": ("tinyagent.workers.launch", "worker_main"),
    "sandbox": ("tinyagent.workers.sandbox.manage", "sandbox_main"),
}
DELEGATED_HELP = {
    "plan": "Plan a query with the model (no server needed) and print the task DAG.",
    "run": "Run a query on a running server and show tasks and the answer live (--approve asks y/n).",
    "eval": "Measure plan success rate (TinyAgent's graph-isomorphism metric) on a dataset.",
    "eval-tools": 'Measure how often tool_choice "auto" decides right (call a tool, or answer).',
    "tools": "List the tools plans may use (built-in and MCP, --mcp-config) and each MCP server's state.",
    "doctor": "On a Mac: check the macOS worker's scripts, app permissions and folders (--macos).",
    "worker": "Run a tool worker: --backend macos|sandbox [--socket PATH].",
    "sandbox": "Reset or show the sandbox world: reset|show [--data-dir DIR].",
}


def _delegate(argv: list[str]) -> int | None:
    if not argv or argv[0] not in DELEGATED:
        return None
    import importlib

    module, function = DELEGATED[argv[0]]
    entry: Callable[[list[str]], int] = getattr(importlib.import_module(module), function)
    return entry(argv[1:])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    delegated = _delegate(argv)
    if delegated is not None:
        return delegated
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ValidationError as exc:
        print(f"tinyagent: invalid settings:\n{exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG


if __name__ == "__main__":
    raise SystemExit(main())
