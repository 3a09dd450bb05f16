"""The MCP config file: the ``mcpServers`` JSON other hosts read (LM Studio, Claude Desktop, llama.cpp).

``{"mcpServers": {"<name>": {"command": ..., "args": [...], "env": {...}}}}`` starts a stdio server;
``{"<name>": {"url": ..., "headers": {...}}}`` connects to a Streamable HTTP one. ``${VAR}`` in any
value reads the server's own environment, so a token need not sit in the file. Our additions, ignored
by other hosts: ``examples`` (a JSON Lines file of ``{query, plan}``, relative to the config file) and
``timeout_s`` (the deadline of one call). ``disabled: true`` skips a server, as in LM Studio.

A malformed file stops start-up (the operator wrote it; guessing would run the wrong thing). A
server whose ``${VAR}`` is unset is kept with its error, so it is reported and the rest still serve.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_KEYS = frozenset({"command", "args", "env", "cwd", "url", "headers", "type", "examples", "timeout_s", "disabled"})


class McpConfigError(ValueError):
    """The config file is malformed; the message names the file and the server."""


@dataclass(frozen=True)
class ServerConfig:
    name: str
    command: str | None = None  # stdio
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    url: str | None = None  # Streamable HTTP
    headers: Mapping[str, str] = field(default_factory=dict)
    examples: Path | None = None
    timeout_s: float | None = None
    error: str | None = None  # set when it cannot start as configured (an unset ${VAR})

    @property
    def transport(self) -> str:
        return "stdio" if self.command is not None else "http"


class _Expander:
    """``${VAR}`` from ``environ``; remembers what was missing instead of raising."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ, self.missing = environ, set[str]()

    def __call__(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            if (value := self.environ.get(match.group(1))) is None:
                self.missing.add(match.group(1))
                return ""
            return value

        return _VAR_RE.sub(one, text)


def _strings(value: object, where: str, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise McpConfigError(f"{where}: {what} must be a list of strings")
    return value


def _mapping(value: object, where: str, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise McpConfigError(f"{where}: {what} must be an object of strings")
    return value


def _check_shape(entry: dict[str, Any], where: str) -> None:
    if unknown := sorted(set(entry) - _KEYS):
        raise McpConfigError(f"{where}: unknown keys {unknown}; known: {sorted(_KEYS)}")
    if ("command" in entry) == ("url" in entry):
        raise McpConfigError(f"{where}: give either 'command' (stdio) or 'url' (Streamable HTTP)")
    kind = entry.get("type", "stdio" if "command" in entry else "http")
    if kind not in ("stdio", "http", "streamable-http", "streamableHttp"):
        raise McpConfigError(f"{where}: type {kind!r} is not supported (stdio or streamable-http; SSE is deprecated)")
    timeout = entry.get("timeout_s")
    if timeout is not None and (not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0):
        raise McpConfigError(f"{where}: timeout_s must be a positive number")


def _server(name: str, entry: object, base: Path, environ: Mapping[str, str], where: str) -> ServerConfig:
    if not _NAME_RE.fullmatch(name):
        raise McpConfigError(f"{where}: a server name is 1-40 letters, digits, '-' or '_', got {name!r}")
    if not isinstance(entry, dict):
        raise McpConfigError(f"{where}: expected an object")
    _check_shape(entry, where)
    expand = _Expander(environ)
    command = entry.get("command")
    if command is not None and not isinstance(command, str):
        raise McpConfigError(f"{where}: command must be a string")
    url = entry.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise McpConfigError(f"{where}: url must be an http(s) URL")
    examples = entry.get("examples")
    if examples is not None and not isinstance(examples, str):
        raise McpConfigError(f"{where}: examples must be a path")
    config = ServerConfig(
        name=name,
        command=expand(command) if command is not None else None,
        args=tuple(expand(a) for a in _strings(entry.get("args", []), where, "args")),
        env={k: expand(v) for k, v in _mapping(entry.get("env", {}), where, "env").items()},
        cwd=base / expand(entry["cwd"]) if isinstance(entry.get("cwd"), str) else None,
        url=expand(url) if url is not None else None,
        headers={k: expand(v) for k, v in _mapping(entry.get("headers", {}), where, "headers").items()},
        examples=base / examples if examples is not None else None,
        timeout_s=float(entry["timeout_s"]) if entry.get("timeout_s") is not None else None,
    )
    if expand.missing:
        unset = ", ".join(sorted(expand.missing))
        return ServerConfig(name=name, command=command, url=url, error=f"environment variable(s) not set: {unset}")
    return config


def parse_config(text: str, source: Path, environ: Mapping[str, str] | None = None) -> tuple[ServerConfig, ...]:
    """Every server of the file, disabled ones left out, in file order."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise McpConfigError(f"{source}: invalid JSON: {exc}") from exc
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise McpConfigError(f'{source}: expected {{"mcpServers": {{"<name>": {{...}}}}}}')
    environ = os.environ if environ is None else environ
    base = source.parent
    return tuple(
        _server(name, entry, base, environ, f"{source}: mcpServers.{name}")
        for name, entry in servers.items()
        if not (isinstance(entry, dict) and entry.get("disabled") is True)
    )


def load_config(path: Path, only: list[str] | None = None) -> tuple[ServerConfig, ...]:
    """The servers of ``path``; ``only`` names the ones to keep (unknown names are an error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise McpConfigError(f"cannot read the MCP config {path}: {exc.strerror}") from exc
    servers = parse_config(text, path)
    if only is None:
        return servers
    if unknown := sorted(set(only) - {s.name for s in servers}):
        raise McpConfigError(f"{path}: mcp_servers names unknown servers {unknown}")
    return tuple(s for s in servers if s.name in only)
