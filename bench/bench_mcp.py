"""MCP servers through TinyAgent Server: the evaluation configs, and the cost of a call.

``python bench/bench_mcp.py configs --out DIR`` writes ``DIR/no-examples.json`` and
``DIR/examples.json``: the time server (``mcp-server-time``) and the two servers of
``tests/mcp_servers/toy.py`` over stdio, without and with the examples of ``bench/mcp_examples/`` (3 per tool).
Then, with nothing else running::

    tinyagent eval --model smollm2-135m --offline --n-threads 2 --now 2026-11-23T10:00:00 \\
        --mcp-config DIR/examples.json --data server/tinyagent/eval/data/mcp_dev.jsonl

``python bench/bench_mcp.py calls [--n 200]``: p50/p95 of one ``tools/call`` of the time server's
``get_current_time``, over stdio and over Streamable HTTP (the bookmarks server's search), made
directly with the SDK and through the server's MCP hub (what a run's task does), in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from mcp import Client, StdioServerParameters

from speedlib import free_port
from tinyagent.tools.registry import ToolSet
from tinyagent.workers.mcp.config import parse_config
from tinyagent.workers.mcp.hub import McpHub

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "mcp_servers" / "toy.py"
EXAMPLES = ROOT / "bench" / "mcp_examples"


def servers(data: Path, examples: bool) -> dict[str, object]:
    def stdio(args: list[str], env: dict[str, str], name: str) -> dict[str, object]:
        entry: dict[str, object] = {"command": sys.executable, "args": args, "env": env}
        if examples:
            entry["examples"] = str(EXAMPLES / f"{name}.jsonl")
        return entry

    return {
        "mcpServers": {
            "time": stdio(["-m", "mcp_server_time", "--local-timezone", "UTC"], {}, "time"),
            "tasks": stdio([str(TOY), "tasks"], {"TASKS_FILE": str(data / "tasks.json")}, "tasks"),
            "bookmarks": stdio([str(TOY), "bookmarks"], {"BOOKMARKS_FILE": str(data / "bookmarks.json")}, "bookmarks"),
        }
    }


def write_configs(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, examples in (("no-examples", False), ("examples", True)):
        (out / f"{name}.json").write_text(json.dumps(servers(out, examples), indent=2))
        print(out / f"{name}.json")


async def _timed(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    for _ in range(10):  # warm: first calls pay imports and caches on both sides
        await call()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _line(label: str, times: list[float], base: list[float] | None) -> str:
    p50 = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    ratio = f"  {p50 / statistics.median(base):.2f}x the SDK's p50" if base else ""
    return f"{label:<48} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms{ratio}"


async def _pair(label: str, target: object, config: str, tool: str, args: dict[str, str], n: int) -> None:
    async with Client(target) as client:  # type: ignore[arg-type]
        direct = await _timed(lambda: client.call_tool(tool, args), n)
    hub = McpHub(parse_config(config, Path("bench.json")))
    await hub.start(ToolSet.all())
    name = hub.specs[[s.remote.name for s in hub.specs if s.remote].index(tool)].name
    try:
        via = await _timed(lambda: hub.call(name, list(args.values()), timeout=30), n)
    finally:
        await hub.aclose()
    print(_line(f"{label}, SDK directly", direct, None))
    print(_line(f"{label}, through the hub", via, direct))


async def measure_calls(n: int) -> None:
    stdio = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server_time", "--local-timezone", "UTC"])
    config = json.dumps({"mcpServers": {"time": {"command": stdio.command, "args": stdio.args}}})
    await _pair("stdio (mcp-server-time)", stdio, config, "get_current_time", {"timezone": "Asia/Tokyo"}, n)
    port, data = free_port(), Path(tempfile.mkdtemp()) / "bookmarks.json"
    env = {**os.environ, "BOOKMARKS_FILE": str(data)}
    cmd = [sys.executable, str(TOY), "bookmarks", "--http", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        for _ in range(200):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        config = json.dumps({"mcpServers": {"bm": {"url": url}}})
        await _pair("Streamable HTTP (toy bookmarks)", url, config, "search_bookmarks", {"query": "x"}, n)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("configs").add_argument("--out", type=Path, required=True)
    sub.add_parser("calls").add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    if args.command == "configs":
        write_configs(args.out)
    else:
        asyncio.run(measure_calls(args.n))


if __name__ == "__main__":
    main()
