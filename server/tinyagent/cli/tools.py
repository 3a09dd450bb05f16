"""``tinyagent tools``: the tools plans may use, built-in and from MCP servers, and each server's state.

Starts the configured MCP servers (as the server would), lists, stops them. Takes the server's flags
(``--mcp-config``, ``--enabled-apps``, ...); ``--json`` prints what ``GET /tools`` returns.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from tinyagent.cli.main import add_settings_arguments, settings_from_args
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.mcp.config import McpConfigError

EXIT_USAGE = 2


async def _listing(args: argparse.Namespace) -> tuple[ToolSet, list[dict[str, Any]]]:
    from tinyagent.runtime import listed_mcp

    settings = settings_from_args(args)
    hub, servers = await listed_mcp(settings)
    return hub.toolset(settings.enabled_tools()), servers


def _lines(tools: ToolSet, servers: list[dict[str, Any]]) -> list[str]:
    lines = [f"{t.name:<34} {t.source:<16} {t.effect.value:<9} {t.signature}" for t in tools]
    for s in servers:
        detail = s["error"] or f"{s['tools']} tools, {s['examples']} examples"
        lines.append(f"MCP server {s['name']} ({s['transport']}): {s['state']}, {detail}")
        if s["examples_error"]:
            lines.append(f"  examples not taken: {s['examples_error']}")
    return lines


def tools_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinyagent tools", description=(__doc__ or "").splitlines()[0])
    add_settings_arguments(parser)
    parser.add_argument("--json", action="store_true", help="Print GET /tools' body.")
    args = parser.parse_args(argv)
    try:
        tools, servers = asyncio.run(_listing(args))
    except (McpConfigError, ValueError) as exc:
        print(f"tinyagent tools: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return EXIT_USAGE
    if args.json:
        from tinyagent.api.plan.serving import tool_list

        print(tool_list(tools, servers).model_dump_json(indent=2))  # noqa: T201
    else:
        print("\n".join(_lines(tools, servers)))  # noqa: T201
    return 1 if any(s["state"] != "ready" for s in servers) else 0
