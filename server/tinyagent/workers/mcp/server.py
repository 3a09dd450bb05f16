"""One MCP server: its connection (held by one task, as the SDK's context managers require), its
listed tools, its state, and calls with a deadline.

A connection that breaks (a stdio server that crashed, an HTTP server gone) fails the call that saw
it and is dropped; the next call connects again, so a crashed server is restarted for the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, Implementation

from tinyagent import __version__
from tinyagent.workers.mcp.config import ServerConfig
from tinyagent.workers.mcp.schema import result_text
from tinyagent.workers.protocol import FAILED, TIMEOUT, WORKER_CRASHED, WORKER_UNAVAILABLE, ToolOutcome

log = logging.getLogger(__name__)

State = Literal["starting", "ready", "failed", "stopped"]
_LOG_TAIL = 600  # characters of a failed server's stderr quoted in its error


@dataclass(frozen=True)
class ListedTool:
    """One tool as the server listed it."""

    name: str
    description: str | None
    input_schema: Mapping[str, Any]
    read_only: bool | None
    destructive: bool | None


def _listed(tool: Any) -> ListedTool:
    notes = tool.annotations
    return ListedTool(
        tool.name,
        tool.description,
        tool.input_schema,
        notes.read_only_hint if notes is not None else None,
        notes.destructive_hint if notes is not None else None,
    )


async def _list_all(client: Client) -> tuple[ListedTool, ...]:
    tools, cursor = [], None
    for _ in range(100):  # a server that pages forever cannot hang start-up
        page = await client.list_tools(cursor=cursor)
        tools += [_listed(t) for t in page.tools]
        if not (cursor := page.next_cursor):
            break
    return tuple(tools)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    return str(exc) or type(exc).__name__


class McpServer:
    def __init__(self, config: ServerConfig, *, start_timeout_s: float, log_dir: Path | None = None) -> None:
        self.config = config
        self.start_timeout_s = start_timeout_s
        self.log_path = log_dir / f"{config.name}.log" if log_dir is not None and config.command else None
        self.state: State = "starting"
        self.error: str | None = None
        self.tools: tuple[ListedTool, ...] = ()
        self.starts = 0  # connections made; more than one means it was restarted
        self.connect_s: float | None = None
        self._client: Client | None = None
        self._holder: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.config.name

    async def start(self) -> None:
        """Connect and list the tools; on failure the state says why (never raises)."""
        async with self._lock:
            if self.config.error is not None:
                self.state, self.error = "failed", self.config.error
                return
            try:
                self.tools = await self._connect()
                self.state, self.error = "ready", None
            except Exception as exc:
                self.state, self.error = "failed", self._failure(exc)
                log.error("MCP server %s failed to start: %s", self.name, self.error)

    def _failure(self, exc: BaseException) -> str:
        late = f"did not start within {self.start_timeout_s:.0f} s"
        text = late if isinstance(exc, TimeoutError) else _describe(exc)
        if self.log_path is not None and self.log_path.exists():
            tail = self.log_path.read_text(errors="replace")[-_LOG_TAIL:].strip()
            text += f"; its stderr ends: {tail}" if tail else ""
        return text

    async def _connect(self) -> tuple[ListedTool, ...]:
        await self._drop()
        started, ready = time.perf_counter(), asyncio.get_running_loop().create_future()
        self._stop = asyncio.Event()
        self._holder = asyncio.create_task(self._hold(ready), name=f"mcp-{self.name}")
        try:
            async with asyncio.timeout(self.start_timeout_s):
                tools: tuple[ListedTool, ...] = await asyncio.shield(ready)
        except BaseException:
            await self._drop()
            raise
        self.starts += 1
        self.connect_s = time.perf_counter() - started
        return tools

    async def _hold(self, ready: asyncio.Future[tuple[ListedTool, ...]]) -> None:
        """Open the connection, hand over the tool list, keep it until told to stop (one task: anyio's rule)."""
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(Client(self._transport(stack), client_info=_INFO))
                tools = await _list_all(client)
                self._client = client
                ready.set_result(tools)
                await self._stop.wait()
        except BaseException as exc:  # report it to whoever waits; a stop or crash ends the hold either way
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, Exception) else RuntimeError(_describe(exc)))
            elif not isinstance(exc, asyncio.CancelledError):
                log.warning("MCP server %s: connection ended: %s", self.name, _describe(exc))
        finally:
            self._client = None

    def _transport(self, stack: AsyncExitStack) -> Any:
        if self.config.command is not None:
            params = StdioServerParameters(
                command=self.config.command,
                args=list(self.config.args),
                env=dict(self.config.env),  # over the SDK's minimal set (PATH, HOME, ...); nothing else of ours
                cwd=self.config.cwd,
            )
            return stdio_client(params, errlog=stack.enter_context(self._errlog()))
        assert self.config.url is not None
        http = httpx2.AsyncClient(headers=dict(self.config.headers), timeout=httpx2.Timeout(30.0, read=300.0))
        stack.push_async_callback(http.aclose)
        return streamable_http_client(self.config.url, http_client=http)

    def _errlog(self) -> TextIO:
        if self.log_path is None:
            return open(os.devnull, "w")  # closed by the exit stack
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        return self.log_path.open("a", encoding="utf-8")

    async def _drop(self) -> None:
        holder, self._holder = self._holder, None
        if holder is None:
            return
        self._stop.set()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            async with asyncio.timeout(5.0):
                await asyncio.shield(holder)
        if not holder.done():  # a transport that would not close: cancel it
            holder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await holder

    async def _ready_client(self) -> Client:
        async with self._lock:
            if self._client is None or self._holder is None or self._holder.done():
                self.tools = await self._connect()
                self.state, self.error = "ready", None
            assert self._client is not None
            return self._client

    async def call(self, name: str, arguments: Mapping[str, object], timeout: float) -> ToolOutcome:
        """One ``tools/call``; every failure (tool error, crash, deadline) is an outcome, never an exception."""
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                client = await self._ready_client()
        except Exception as exc:
            return ToolOutcome.failure(WORKER_UNAVAILABLE, f"MCP server {self.name} is unavailable: {_describe(exc)}")
        try:
            async with asyncio.timeout_at(deadline):
                result = await client.call_tool(name, dict(arguments))
        except TimeoutError:
            late = f"{name} on MCP server {self.name} got no answer within {timeout:.1f} s"
            return ToolOutcome.failure(TIMEOUT, late)
        except MCPError as exc:
            if exc.error.code != CONNECTION_CLOSED:
                return ToolOutcome.failure(FAILED, f"{name} failed on MCP server {self.name}: {exc.error.message}")
            return await self._crashed(name, exc)
        except Exception as exc:  # a broken stream or HTTP failure: this connection is done
            return await self._crashed(name, exc)
        text = result_text(result.content, result.structured_content)
        return ToolOutcome.failure(FAILED, text or f"{name} failed") if result.is_error else ToolOutcome.success(text)

    async def _crashed(self, name: str, exc: BaseException) -> ToolOutcome:
        log.warning("MCP server %s: %s lost its connection (%s); reconnecting on the next call", self.name, name, exc)
        async with self._lock:
            await self._drop()
        return ToolOutcome.failure(WORKER_CRASHED, f"MCP server {self.name} stopped during {name}: {_describe(exc)}")

    async def aclose(self) -> None:
        async with self._lock:
            await self._drop()
            self.state = "stopped"


_INFO = Implementation(name="tinyagent-server", version=__version__)
