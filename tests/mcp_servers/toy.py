"""Two small MCP servers written with the official SDK, for the tests and the MCP evaluation set.

``python toy.py tasks [--http PORT] [--debug-tools]``: a to-do list kept in the JSON file named by
``TASKS_FILE`` (add_task, list_tasks, complete_task); ``--debug-tools`` adds the tools the tests break
things with (fail, crash, sleep, read_env). ``python toy.py bookmarks [--http PORT]``: bookmarks in
``BOOKMARKS_FILE`` (save_bookmark, search_bookmarks). Stdio unless ``--http``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

DueDate = Annotated[str, Field(description="When it is due, YYYY-MM-DD", json_schema_extra={"format": "date"})]
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False)


def _load(variable: str) -> list[dict[str, object]]:
    path = Path(os.environ[variable])
    return json.loads(path.read_text()) if path.exists() else []


def _save(variable: str, items: list[dict[str, object]]) -> None:
    Path(os.environ[variable]).write_text(json.dumps(items))


def tasks_server(debug: bool) -> MCPServer:
    server = MCPServer("tasks")

    @server.tool(annotations=WRITES)
    def add_task(title: str, due_date: DueDate = "") -> str:
        """Add a task to the to-do list, optionally due on a date (YYYY-MM-DD)."""
        items = _load("TASKS_FILE")
        items.append({"title": title, "due_date": due_date, "done": False})
        _save("TASKS_FILE", items)
        return f"Added task {title!r}" + (f" due {due_date}" if due_date else "")

    @server.tool(annotations=READ_ONLY)
    def list_tasks(status: str = "open") -> str:
        """List the tasks on the to-do list: 'open', 'done' or 'all'."""
        items = [t for t in _load("TASKS_FILE") if status == "all" or t["done"] == (status == "done")]
        return "\n".join(f"- {t['title']} {t['due_date']}".rstrip() for t in items) or "No tasks."

    @server.tool(annotations=WRITES)
    def complete_task(title: str) -> str:
        """Mark the task with this title as done."""
        items = _load("TASKS_FILE")
        for item in items:
            if str(item["title"]).lower() == title.lower():
                item["done"] = True
                _save("TASKS_FILE", items)
                return f"Completed {item['title']!r}"
        raise ValueError(f"no task titled {title!r}")

    if debug:
        _debug_tools(server)
    return server


def _debug_tools(server: MCPServer) -> None:
    @server.tool(annotations=READ_ONLY)
    def fail(reason: str) -> str:
        """Always fails with the reason given."""
        raise RuntimeError(reason)

    @server.tool(annotations=READ_ONLY)
    def crash() -> str:
        """Ends the server process in the middle of the call."""
        os._exit(3)

    @server.tool(annotations=READ_ONLY)
    async def sleep(seconds: float) -> str:
        """Waits this many seconds, then answers."""
        await asyncio.sleep(seconds)
        return f"slept {seconds}"

    @server.tool(annotations=READ_ONLY)
    def read_env(name: str) -> str:
        """The value of an environment variable of the server process, or '<unset>'."""
        return os.environ.get(name, "<unset>")

    @server.tool()
    def big(chars: int) -> str:
        """A result of this many characters (no annotations: the host must assume side effects)."""
        return "x" * chars


def bookmarks_server() -> MCPServer:
    server = MCPServer("bookmarks")

    @server.tool(annotations=WRITES)
    def save_bookmark(url: str, title: str, tags: list[str]) -> str:
        """Save a web page to the bookmarks with a title and tags."""
        items = _load("BOOKMARKS_FILE")
        items.append({"url": url, "title": title, "tags": tags})
        _save("BOOKMARKS_FILE", items)
        return f"Saved {title!r} ({url})"

    @server.tool(annotations=READ_ONLY)
    def search_bookmarks(query: str) -> str:
        """Find saved bookmarks whose title, URL or tags contain the words of the query."""
        words = query.lower().split()
        hits = [b for b in _load("BOOKMARKS_FILE") if all(w in json.dumps(b).lower() for w in words)]
        return "\n".join(f"{b['title']}: {b['url']}" for b in hits) or "No bookmarks found."

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("tasks", "bookmarks"))
    parser.add_argument("--http", type=int, metavar="PORT")
    parser.add_argument("--debug-tools", action="store_true")
    args = parser.parse_args()
    server = tasks_server(args.debug_tools) if args.which == "tasks" else bookmarks_server()
    if args.http is None:
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=args.http)


if __name__ == "__main__":
    main()
