"""Every configured MCP server: started together with the app, their tools in one list beside the
built-in ones, their examples, and the calls a run makes to them.

``McpHub.start()`` connects to every server at once; one that fails is reported (``status()``) and
the rest still serve. Tool names and labels are fixed at the first listing, so a plan, a stored run
and the ToolRAG index agree on them for the life of the process.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinyagent.plans.parser import parse_plan
from tinyagent.tools.registry import REMOTE_LABELS, ToolSet, ToolSpec
from tinyagent.workers.mcp.config import ServerConfig
from tinyagent.workers.mcp.schema import ArgumentProblem, call_arguments, spec_from_mcp
from tinyagent.workers.protocol import INVALID_ARGUMENT, UNKNOWN_TOOL, ToolContext, ToolOutcome

if TYPE_CHECKING:
    from tinyagent.workers.mcp.server import McpServer


@dataclass(frozen=True)
class McpExample:
    """One ``{query, plan}`` of a server's examples file, checked against every tool."""

    server: str
    query: str
    plan: str


class McpHub:
    def __init__(
        self, configs: Sequence[ServerConfig], *, start_timeout_s: float = 30.0, log_dir: Path | None = None
    ) -> None:
        if configs:  # the SDK costs ~36 MB resident: imported only for a config that names servers
            from tinyagent.workers.mcp.server import McpServer
        self.servers = {c.name: McpServer(c, start_timeout_s=start_timeout_s, log_dir=log_dir) for c in configs}
        self.specs: tuple[ToolSpec, ...] = ()
        self.examples: tuple[McpExample, ...] = ()
        self.example_errors: dict[str, str] = {}
        self._owner: dict[str, tuple[McpServer, ToolSpec]] = {}  # tool name -> where it runs, what it is
        self.started = asyncio.Event()  # set once every server was tried, whatever came of it

    async def start(self, builtin: ToolSet) -> None:
        """Start every server at once, then name their tools and check their examples against ``builtin`` + them."""
        try:
            await asyncio.gather(*(s.start() for s in self.servers.values()))
            self._name_tools()
            self._load_examples(builtin.plus(self.specs))
        finally:
            self.started.set()

    def _name_tools(self) -> None:
        specs: list[ToolSpec] = []
        for server in self.servers.values():
            for tool in server.tools:
                spec = spec_from_mcp(
                    server.name,
                    tool.name,
                    tool.description,
                    tool.input_schema,
                    tool.read_only,
                    tool.destructive,
                    label=REMOTE_LABELS + len(specs),
                )
                if spec.name in self._owner:  # "a-b" and "a_b" reduce alike: keep the first, say so
                    self.example_errors.setdefault(server.name, f"tool name {spec.name} is taken; {tool.name} skipped")
                    continue
                specs.append(spec)
                self._owner[spec.name] = (server, spec)
        self.specs = tuple(specs)

    def _load_examples(self, tools: ToolSet) -> None:
        found: list[McpExample] = []
        for server in self.servers.values():
            path = server.config.examples
            if path is None or server.state != "ready":
                continue
            try:
                found += read_examples(server.name, path, tools)
            except (OSError, ValueError) as exc:
                self.example_errors[server.name] = str(exc)
        self.examples = tuple(found)

    def owns(self, tool: str) -> bool:
        return tool in self._owner

    def toolset(self, builtin: ToolSet) -> ToolSet:
        """``builtin`` and the tools of every server that listed them."""
        return builtin.plus(self.specs)

    async def call(
        self, tool: str, args: Sequence[object], *, timeout: float, context: ToolContext | None = None
    ) -> ToolOutcome:
        del context  # the time zone and draft mode are the built-in tools' business
        if tool not in self._owner:
            return ToolOutcome.failure(UNKNOWN_TOOL, f"no MCP server provides {tool}")
        server, spec = self._owner[tool]
        assert spec.remote is not None  # every spec the hub names is an MCP tool
        try:
            arguments = call_arguments(spec, list(args))
        except ArgumentProblem as exc:
            return ToolOutcome.failure(INVALID_ARGUMENT, f"{tool}: {exc}")
        limit = server.config.timeout_s if server.config.timeout_s is not None else timeout
        return await server.call(spec.remote.name, arguments, min(timeout, limit))

    def status(self) -> list[dict[str, Any]]:
        """Each server's state for /health and ``tinyagent tools``."""
        return [
            {
                "name": s.name,
                "transport": s.config.transport,
                "state": s.state,
                "error": s.error,
                "tools": sum(1 for owner, _ in self._owner.values() if owner is s),
                "examples": sum(1 for e in self.examples if e.server == s.name),
                "examples_error": self.example_errors.get(s.name),
                "restarts": max(0, s.starts - 1),
            }
            for s in self.servers.values()
        ]

    async def aclose(self) -> None:
        await asyncio.gather(*(s.aclose() for s in self.servers.values()))


def read_examples(server: str, path: Path, tools: ToolSet) -> list[McpExample]:
    """Every line of ``path`` as an example; the first bad one is an error naming its line."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: invalid JSON: {exc.msg}") from exc
        query, plan = (record.get(k) if isinstance(record, dict) else None for k in ("query", "plan"))
        if not isinstance(query, str) or not isinstance(plan, str) or not query.strip():
            raise ValueError(f'{where}: expected {{"query": "...", "plan": "1. tool(...)\\n2. join()"}}')
        outcome = parse_plan(plan, tools)
        if outcome.errors or outcome.plan is None:
            raise ValueError(f"{where}: the plan does not parse: {outcome.errors[0].message if outcome.errors else ''}")
        examples.append(McpExample(server, query.strip(), plan.strip()))
    return examples


class RoutedCaller:
    """The one ToolCaller a run uses: MCP tools to their server, everything else to the tool worker."""

    def __init__(self, worker: Any, hub: McpHub) -> None:
        self.worker, self.hub = worker, hub

    async def call(self, tool: str, args: Any, *, timeout: float, context: ToolContext | None = None) -> ToolOutcome:
        target = self.hub if self.hub.owns(tool) else self.worker
        outcome: ToolOutcome = await target.call(tool, args, timeout=timeout, context=context)
        return outcome
