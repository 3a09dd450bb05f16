"""``tinyagent run "query"``: start a run on a running server and show it live in the terminal.

Talks HTTP only (POST /run as Server-Sent Events), so it works against any server, local or not.
If the connection drops, it resumes with ``Last-Event-ID`` and misses nothing. With ``--approve``
tools with side effects wait for a y/n answer at the prompt.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

DEFAULT_URL = "http://127.0.0.1:50001"
RESUME_ATTEMPTS = 3
EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE = 1, 2, 64


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyagent run", description="Run an agent query on a running server.")
    parser.add_argument("query", nargs="?", help='What to do, e.g. "Text Sid that I\'m running late".')
    parser.add_argument(
        "--plan-file", type=Path, help="Execute this ready plan (LLMCompiler text) instead of planning."
    )
    parser.add_argument(
        "--no-joiner", action="store_true", help="With --plan-file: no model at all; the answer is the last result."
    )
    parser.add_argument("--approve", action="store_true", help="Ask y/n before tools that create or send something.")
    parser.add_argument("--json", action="store_true", help="Print every event as one JSON line.")
    parser.add_argument("--url", default=os.environ.get("TINYAGENT_URL", DEFAULT_URL), help="Server base URL.")
    parser.add_argument(
        "--api-key", default=os.environ.get("TINYAGENT_API_KEY"), help="Bearer key, if the server needs one."
    )
    parser.add_argument("--timezone", help="Your IANA time zone (default: the server's).")
    parser.add_argument("--timeout", type=float, default=600.0, help="Give up after this many seconds without data.")
    return parser


@dataclass
class Session:
    """One followed run: the HTTP client, what was seen, and how to show it."""

    client: httpx.Client
    out: TextIO
    err: TextIO
    as_json: bool
    ask: Callable[[str], str]
    run_id: str | None = None
    last_seq: int = 0
    finished: dict[str, Any] | None = None
    answer_open: bool = field(default=False)

    def show(self, event: dict[str, Any]) -> None:
        self.run_id = self.run_id or event.get("run_id")
        self.last_seq = max(self.last_seq, int(event.get("seq", 0)))
        if self.as_json:
            print(json.dumps(event, ensure_ascii=False), file=self.out, flush=True)
        else:
            self._human(event)
        if event["type"] == "approval_required":
            self._decide(event)
        elif event["type"] == "run_finished":
            self.finished = event

    def _human(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "answer_token":
            print(event["text"], end="", file=self.out, flush=True)
            self.answer_open = True
            return
        if self.answer_open:
            print(file=self.out)
            self.answer_open = False
        line = describe(event)
        if line is not None:
            print(line, file=self.err if kind == "error" else self.out, flush=True)

    def _decide(self, event: dict[str, Any]) -> None:
        call = f"{event['tool']}({', '.join(json.dumps(a, ensure_ascii=False) for a in event['args'])})"
        try:
            reply = self.ask(f"Allow {call}? [y/N] ")
        except EOFError:
            reply = ""
        action = "approve" if reply.strip().lower() in ("y", "yes") else "deny"
        response = self.client.post(f"/runs/{event['run_id']}/{action}", json={"task_id": event["task_id"]})
        if response.status_code != 200:
            print(f"tinyagent run: {action} failed: {_error_text(response)}", file=self.err)


def describe(event: dict[str, Any]) -> str | None:
    """One terminal line for an event (None: nothing to show)."""
    kind = event["type"]
    tag = f"{event.get('round', 1)}.{event.get('task_id')}" if "task_id" in event else ""
    if kind == "run_started":
        return f"run {event['run_id']}"
    if kind == "task":
        return f"  planned  {tag} {event['tool']}({_args(event['args'])})"
    if kind == "task_started":
        return f"  started  {tag} {event['tool']}({_args(event['args'])})"
    if kind == "task_finished":
        text = event["result"] if event["ok"] else event["error"]
        return f"  {'done  ' if event['ok'] else 'FAILED'}   {tag} {event['tool']}: {_short(str(text))}"
    if kind == "approval_required":
        return f"  waiting  {tag} {event['tool']} needs your approval"
    if kind == "thought":
        return f"Thought: {event['text']}"
    if kind == "replan":
        return f"Replanning (round {event['round']}): {event['reason']}"
    if kind == "error":
        return f"error: {event['message']}"
    if kind == "run_finished":
        return f"[{event['status']}]"
    return None  # plan_token, answer (already streamed as answer_token)


def _args(args: list[Any]) -> str:
    return _short(", ".join(json.dumps(a, ensure_ascii=False) for a in args), 100)


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


def sse_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    data: list[str] = []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield json.loads("\n".join(data))
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def _follow(session: Session, response: httpx.Response) -> None:
    if response.status_code != 200:
        response.read()
        raise RuntimeError(_error_text(response))
    for event in sse_events(response):
        session.show(event)
        if session.finished is not None:
            return


def _run(session: Session, body: dict[str, Any]) -> None:
    with session.client.stream("POST", "/run", json=body) as response:
        try:
            _follow(session, response)
        except httpx.TransportError:
            if session.run_id is None:
                raise
    for _ in range(RESUME_ATTEMPTS):
        if session.finished is not None or session.run_id is None:
            return
        headers = {"Last-Event-ID": str(session.last_seq)}
        try:
            with session.client.stream("GET", f"/runs/{session.run_id}/events", headers=headers) as response:
                _follow(session, response)
        except httpx.TransportError:
            continue


def _body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"stream": True}
    if args.query:
        body["query"] = args.query
    if args.plan_file is not None:
        body["plan"] = args.plan_file.read_text(encoding="utf-8")
    if args.approve:
        body["approval"] = "writes"
    if args.no_joiner:
        body["joiner"] = False
    if args.timezone:
        body["timezone"] = args.timezone
    return body


def run_main(
    argv: Sequence[str],
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    ask: Callable[[str], str] = input,
) -> int:
    args = build_parser().parse_args(list(argv))
    out, err = out or sys.stdout, err or sys.stderr
    if not args.query and args.plan_file is None:
        print("tinyagent run: give a query or --plan-file", file=err)
        return EXIT_USAGE
    try:
        body = _body(args)
    except OSError as exc:
        print(f"tinyagent run: cannot read the plan file: {exc}", file=err)
        return EXIT_USAGE
    headers = {"authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    timeout = httpx.Timeout(30.0, read=args.timeout)
    with httpx.Client(base_url=args.url.rstrip("/"), headers=headers, timeout=timeout) as client:
        session = Session(client, out, err, args.json, ask)
        try:
            _run(session, body)
        except (httpx.HTTPError, RuntimeError) as exc:
            print(f"tinyagent run: {exc or type(exc).__name__} ({args.url})", file=err)
            return EXIT_UNREACHABLE if isinstance(exc, httpx.TransportError) else EXIT_FAILED
    if session.finished is None:
        print("tinyagent run: the stream ended before the run finished", file=err)
        return EXIT_UNREACHABLE
    return 0 if session.finished["status"] == "succeeded" else EXIT_FAILED
