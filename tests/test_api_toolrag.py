"""POST /toolrag on a live server: real MiniLM embeddings, the shipped example bank, faiss."""

from __future__ import annotations

import httpx

from harness import LiveServer
from tinyagent.plans.parser import parse_plan
from tinyagent.tools.registry import ToolSet


def toolrag(server: LiveServer, **body: object) -> httpx.Response:
    return httpx.post(server.url + "/toolrag", json=body, timeout=120)


def test_picks_the_tools_a_query_needs(tiny_server: LiveServer) -> None:
    body = toolrag(tiny_server, query="Text Sid that I'm running ten minutes late").json()
    names = [t["name"] for t in body["tools"]]
    assert {"get_phone_number", "send_sms"} <= set(names)
    assert len(names) < 16 and body["fallback"] is False
    assert 0 < len(body["examples"]) <= 6
    selected = ToolSet.all().select(tools=names)
    for example in body["examples"]:
        # The tool-aware filter: no example shows a tool the prompt would not describe.
        outcome = parse_plan(example["plan"], selected)
        assert not [e for e in outcome.errors if e.fatal], example
    assert body["timings"]["total_ms"] > 0


def test_narrowed_to_apps_and_top_k(tiny_server: LiveServer) -> None:
    body = toolrag(tiny_server, query="Email Nick the quarterly report", apps=["mail", "contacts"], top_k=2).json()
    assert {t["name"] for t in body["tools"]} <= {
        "get_phone_number",
        "get_email_address",
        "compose_new_email",
        "reply_to_email",
        "forward_email",
    }
    assert len(body["examples"]) <= 2


def test_unknown_tool_is_400(tiny_server: LiveServer) -> None:
    response = toolrag(tiny_server, query="hi", tools=["launch_rockets"])
    assert response.status_code == 400
    assert "launch_rockets" in response.json()["error"]["message"]


def test_reports_the_guided_skeleton_when_asked(tiny_server: LiveServer) -> None:
    body = toolrag(tiny_server, query="Text Sid that I'm running ten minutes late", guided=True).json()
    guide = body["guide"]
    assert guide is not None and guide["skeleton"][-1] == "send_sms", guide
    assert guide["shots"] and all(shot["plan"].rstrip().endswith("join()") for shot in guide["shots"])
    # Off on request, and by default for a model (the tiny one) whose profile does not plan guided.
    assert toolrag(tiny_server, query="Text Sid", guided=False).json()["guide"] is None
    assert toolrag(tiny_server, query="Text Sid").json()["guide"] is None
