"""The web console in a real headless Chromium against the real app on the sandbox worker: a given plan
drawn and finished, approvals by click and by keyboard, a reload mid-run that resumes with
Last-Event-ID and loses nothing, hostile tool output that stays text, a key-protected server, and the
runs, tools, chat and status views. Screenshots of each view land in build/artifacts/.

Every wait is an upper bound that only catches hangs (Playwright's auto-waiting), never a timing check.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from browser import Tab, chromium, tab
from fake_model import FakeModel
from harness import LiveServer, hold_model, wait_for
from run_helpers import agent_server, stored_events, world
from tinyagent.api.console.router import ASSETS, PAGE, STATIC
from tinyagent.settings import Settings

WAIT_MS = 60_000
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def server(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("console"), "n_ctx": 4096})
    with agent_server(settings, debug=True) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Tab]:
    with tab(browser) as t:
        yield t
        assert not t.dialogs, t.dialogs
        assert not t.errors, t.errors


def run_plan(page: Page, url: str, plan: str, *, approval: str = "", joiner: bool = False) -> None:
    page.goto(url + "/")
    page.check("input[name=run-mode][value=plan]")
    page.fill("#run-plan", plan)
    page.select_option("#run-approval", approval)
    page.set_checked("#run-joiner", joiner)
    page.click("#run-start")


def node(page: Page, task_id: int, round_: int = 1) -> Any:
    return page.locator(f'.node[data-task="{round_}:{task_id}"]')


def finished(page: Page, status: str = "succeeded") -> None:
    expect(page.locator("#run-status")).to_have_attribute("data-status", status, timeout=WAIT_MS)


def page_events(page: Page) -> list[dict[str, Any]]:
    run_id = page.locator("#run-id").text_content()
    return list(json.loads(page.evaluate("id => sessionStorage.getItem('tinyagent.run.' + id)", run_id)))


def test_a_given_plan_is_drawn_run_in_parallel_and_answered(server: LiveServer, page: Tab) -> None:
    plan = (
        '1. _debug_sleep("1")\n2. _debug_sleep("1")\n3. get_phone_number("Sid")\n'
        '4. send_sms(["$3"], "Console run")\n5. join()'
    )
    run_plan(page.page, server.url, plan, joiner=True)
    finished(page.page)
    p = page.page
    expect(p.locator(".node")).to_have_count(4)
    for task_id in (1, 2, 3, 4):
        expect(node(p, task_id)).to_have_attribute("data-state", "done")
    expect(node(p, 4).locator(".args")).to_have_text('send_sms(["+1 (415) 555-0101"], "Console run")')
    # The edge from $3 to 4, and none into the independent sleeps.
    expect(p.locator("svg path.edge")).to_have_count(1)
    expect(p.locator('path.edge[data-edge="3->4"]')).to_have_count(1)
    # Results are collapsed until asked for.
    result = node(p, 3).locator("details.result")
    assert result.get_attribute("open") is None
    result.locator("summary").click()
    expect(result.locator("pre")).to_have_text("+1 (415) 555-0101")
    # The two sleeps overlap on the timeline: they ran in parallel.
    bars = [_bar(p, f"1:{i}") for i in (1, 2)]
    assert bars[0][0] < bars[1][0] + bars[1][1] and bars[1][0] < bars[0][0] + bars[0][1], bars
    # The answer streamed in token by token, and the page holds every event the server stored.
    events = page_events(p)
    assert any(e["type"] == "answer_token" for e in events)
    expect(p.locator("#run-answer")).not_to_be_empty()
    assert [e["seq"] for e in events] == [e["seq"] for e in stored_events(server.url, events[0]["run_id"])]
    assert p.url.endswith("#run/" + events[0]["run_id"])
    page.screenshot("run")


def _bar(page: Page, key: str) -> tuple[float, float]:
    box = page.locator(f'.lane[data-task="{key}"] .bar').bounding_box()
    assert box is not None
    return box["x"], box["width"]


def _sms_count(server: LiveServer, text: str) -> int:
    with world(server.settings) as db:
        return int(db.execute("SELECT COUNT(*) FROM sms WHERE message = ?", (text,)).fetchone()[0])


def test_approve_by_click_and_deny_by_keyboard(server: LiveServer, page: Tab) -> None:
    plan = (
        '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Clicked yes")\n3. send_sms(["$1"], "Keyboard no")\n4. join()'
    )
    run_plan(page.page, server.url, plan, approval="writes")
    p = page.page
    approve = p.locator(".node[data-state=waiting] .approve").first
    expect(approve).to_be_visible(timeout=WAIT_MS)
    expect(p.locator("#run-status")).to_have_attribute("data-status", "waiting_approval")
    page.screenshot("approval")
    waiting = p.locator(".node[data-state=waiting]").first.get_attribute("data-task")
    approve.click()
    expect(p.locator(f'.node[data-task="{waiting}"]')).to_have_attribute("data-state", "done", timeout=WAIT_MS)
    deny = p.locator(".node[data-state=waiting] .deny")
    expect(deny).to_be_visible(timeout=WAIT_MS)
    deny.focus()
    p.keyboard.press("Enter")
    finished(p)
    states = {key: p.locator(f'.node[data-task="{key}"]').get_attribute("data-state") for key in ("1:2", "1:3")}
    assert sorted(states.values()) == ["done", "skipped"], states
    denied = next(k for k, v in states.items() if v == "skipped")
    expect(p.locator(f'.node[data-task="{denied}"] .badge')).to_have_text("skipped: denied")
    texts = {"1:2": "Clicked yes", "1:3": "Keyboard no"}
    assert _sms_count(server, texts[denied]) == 0
    assert _sms_count(server, next(texts[k] for k in texts if k != denied)) == 1


def test_a_reload_mid_run_resumes_with_last_event_id_and_loses_nothing(server: LiveServer, page: Tab) -> None:
    plan = '1. _debug_sleep("2")\n2. get_phone_number("Sid")\n3. send_sms(["$2"], "After reloads")\n4. join()'
    run_plan(page.page, server.url, plan, approval="writes")
    p = page.page
    expect(node(p, 1)).to_have_attribute("data-state", "running", timeout=WAIT_MS)
    url = p.url
    p.reload()  # while a task runs
    assert p.url == url and "#run/" in url
    expect(node(p, 3).locator(".approve")).to_be_visible(timeout=WAIT_MS)
    p.reload()  # while a task waits for approval
    approve = node(p, 3).locator(".approve")
    expect(approve).to_be_visible(timeout=WAIT_MS)
    resumed = [r.headers.get("last-event-id") for r in page.requests if "/events" in r.url]
    assert len(resumed) >= 2 and all(value and int(value) > 0 for value in resumed), resumed
    approve.click()
    finished(p)
    events = page_events(p)
    run_id = events[0]["run_id"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events == stored_events(server.url, run_id)
    expect(p.locator(".node")).to_have_count(3)
    assert _sms_count(server, "After reloads") == 1


def test_hostile_tool_output_and_arguments_stay_text(server: LiveServer, page: Tab) -> None:
    plan = f'1. create_note("Inert note", "{HOSTILE}", "")\n2. open_note("Inert note", "")\n3. join()'
    run_plan(page.page, server.url, plan)
    p = page.page
    finished(p)
    result = node(p, 2).locator("details.result")
    result.locator("summary").click()
    expect(result.locator("pre")).to_have_text(f"Inert note\n{HOSTILE}")
    expect(node(p, 1).locator(".args")).to_contain_text(HOSTILE)
    expect(p.locator("#run-answer")).to_have_text(f"Inert note\n{HOSTILE}")  # no joiner: the last result
    assert p.locator("main img, main script").count() == 0
    # The policy holds in this browser: with Trusted Types no code can write markup or point a script
    # anywhere, so even a future slip (an innerHTML) would throw instead of rendering.
    for sink in ("document.body.innerHTML += '<b>x</b>'", "document.createElement('script').src = 'data:,1'"):
        assert p.evaluate(f"() => {{ try {{ {sink}; return false }} catch {{ return true }} }}") is True, sink
    # Those refusals are expected console errors; nothing else may be there.
    page.errors[:] = [e for e in page.errors if "requires 'Trusted" not in e]


def test_runs_list_replays_a_run_from_the_store(server: LiveServer, browser: Browser) -> None:
    with tab(browser) as first:
        run_plan(first.page, server.url, '1. get_email_address("Sid")\n2. join()')
        finished(first.page)
        run_id = first.page.locator("#run-id").text_content()
    with tab(browser) as fresh:  # no session storage: everything comes from GET /runs and the store
        p = fresh.page
        p.goto(server.url + "/#runs")
        link = p.locator(f'tr[data-run="{run_id}"] a')
        expect(link).to_be_visible(timeout=WAIT_MS)
        fresh.screenshot("runs")
        link.click()
        finished(p)
        expect(node(p, 1)).to_have_attribute("data-state", "done")
        assert p.locator("#run-id").text_content() == run_id
        assert fresh.errors == [] and fresh.dialogs == []


def test_tools_view_and_toolrag_probe(server: LiveServer, page: Tab) -> None:
    p = page.page
    p.goto(server.url + "/#tools")
    expect(p.locator('#tools-table tr[data-tool="send_sms"] .effect')).to_have_text("writes (destructive)")
    expect(p.locator('#tools-table tr[data-tool="get_phone_number"] .effect')).to_have_text("none")
    p.fill("#probe-query", "Text Sid that I am running late")
    p.press("#probe-query", "Enter")
    expect(p.locator("#probe-tools")).to_contain_text("send_sms", timeout=WAIT_MS)
    expect(p.locator("#probe-skeleton")).to_contain_text("send_sms")
    page.screenshot("tools")


def test_chat_streams_and_stop_frees_the_queue(server: LiveServer, page: Tab) -> None:
    p = page.page
    p.goto(server.url + "/#chat")
    p.fill("#chat-max-tokens", "12")
    p.fill("#chat-input", "Hello <b>there</b>")
    p.press("#chat-input", "Enter")
    expect(p.locator(".msg.user .text")).to_have_text("Hello <b>there</b>")
    expect(p.locator(".msg.assistant .text")).not_to_be_empty(timeout=WAIT_MS)
    expect(p.locator("#chat-send")).to_be_enabled(timeout=WAIT_MS)
    page.screenshot("chat")
    # With the model held elsewhere the next message waits in the queue; Stop takes it out.
    release = threading.Event()
    holder = hold_model(server, release)
    try:
        p.fill("#chat-input", "Are you there?")
        p.click("#chat-send")
        wait_for(lambda: _queue(server)["waiting"] == 1, "queued")
        p.click("#chat-stop")
        wait_for(lambda: _queue(server)["waiting"] == 0, "taken out of the queue")
        expect(p.locator("#chat-send")).to_be_enabled()
    finally:
        release.set()
        holder.join(30)


def _queue(server: LiveServer) -> dict[str, Any]:
    return dict(httpx.get(server.url + "/health", timeout=30).json()["queue"])


def test_status_view(server: LiveServer, page: Tab) -> None:
    p = page.page
    p.goto(server.url + "/#status")
    expect(p.locator("#status-health")).to_contain_text(Path(server.settings.model).name, timeout=WAIT_MS)
    expect(p.locator("#status-metrics")).to_contain_text("Completion tokens")
    expect(p.locator("#server-pill")).to_have_attribute("data-status", "ready")
    page.screenshot("status")


@pytest.fixture(scope="module")
def keyed(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = tiny_settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("keyed"), "n_ctx": 4096, "api_key": SecretStr("s3cret-key")}
    )
    with agent_server(settings) as live:
        yield live


def test_a_key_protected_server_asks_for_the_key_and_sends_it_as_a_bearer(keyed: LiveServer, browser: Browser) -> None:
    with tab(browser) as t:
        p = t.page
        p.goto(keyed.url + "/#tools")
        dialog = p.locator("#key-dialog")
        expect(dialog).to_be_visible(timeout=WAIT_MS)
        t.screenshot("key")
        p.fill("#key-input", "wrong")
        p.press("#key-input", "Enter")
        expect(p.locator("#key-refused")).to_be_visible(timeout=WAIT_MS)
        p.fill("#key-input", "s3cret-key")
        p.press("#key-input", "Enter")
        expect(p.locator('#tools-table tr[data-tool="send_sms"]')).to_be_visible(timeout=WAIT_MS)
        expect(dialog).to_be_hidden()
        assert p.evaluate("sessionStorage.getItem('tinyagent.key')") == "s3cret-key"
        assert all("s3cret" not in r.url for r in t.requests)
        sent = [r.headers.get("authorization") for r in t.requests if r.url.endswith("/tools")]
        assert sent[-1] == "Bearer s3cret-key"
        # A run streams with the key, and a reload resumes it with the key and Last-Event-ID.
        run_plan(p, keyed.url, '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Keyed")\n3. join()', approval="writes")
        expect(node(p, 2).locator(".approve")).to_be_visible(timeout=WAIT_MS)
        p.reload()
        node(p, 2).locator(".approve").click()
        finished(p)
        followed = [r for r in t.requests if "/events" in r.url]
        assert followed and all(r.headers.get("authorization") == "Bearer s3cret-key" for r in followed)
        assert int(followed[-1].headers["last-event-id"]) > 0
        # The only console errors are the browser's notes of the 401s that made the page ask.
        assert all("401" in e for e in t.errors), t.errors


def test_pages_carry_the_policy_and_the_api_guards_apply(keyed: LiveServer) -> None:
    page = httpx.get(keyed.url + "/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert httpx.get(keyed.url + "/console/js/run.js", timeout=30).status_code == 200  # public: no secret in it
    assert httpx.get(keyed.url + "/runs", timeout=30).status_code == 401  # the API is not
    missing = httpx.get(keyed.url + "/console/router.py", timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    rebound = httpx.get(keyed.url + "/", headers={"host": "evil.example"}, timeout=30)
    assert rebound.status_code == 403 and rebound.json()["error"]["code"] == "host_not_allowed"


def test_every_shipped_file_is_served_and_nothing_else() -> None:
    files = {p.relative_to(Path(str(STATIC))).as_posix() for p in Path(str(STATIC)).rglob("*") if p.is_file()}
    assert files == {*ASSETS, PAGE}


def _event(seq: int, type_: str, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "run_id": "run-replayed", "seq": seq, "ts": 1000.0 + seq, **fields}


REPLANNED = [
    _event(1, "run_started", query="Text Sid", plan=None, tools=[], approval="never"),
    _event(2, "task", round=1, task_id=1, tool="get_phone_number", args=["Sidd"], depends_on=[]),
    _event(3, "task", round=1, task_id=2, tool="send_sms", args=[["$1"], "hi"], depends_on=[1]),
    _event(4, "task_started", round=1, task_id=1, tool="get_phone_number", args=["Sidd"]),
    _event(
        5,
        "task_finished",
        round=1,
        task_id=1,
        tool="get_phone_number",
        ok=False,
        error_code="not_found",
        error="No contact named Sidd.",
    ),
    _event(
        6,
        "task_finished",
        round=1,
        task_id=2,
        tool="send_sms",
        ok=False,
        error_code="blocked",
        error="Not run: its input $1 failed.",
    ),
    _event(7, "replan", round=2, reason="get_phone_number failed: no contact named Sidd."),
    _event(8, "task", round=2, task_id=1, tool="get_phone_number", args=["Sid"], depends_on=[]),
    _event(9, "task_started", round=2, task_id=1, tool="get_phone_number", args=["Sid"]),
    _event(10, "task_finished", round=2, task_id=1, tool="get_phone_number", ok=True, result="+1 (415) 555-0101"),
    _event(11, "task", round=2, task_id=2, tool="send_sms", args=[["$1"], "hi"], depends_on=[1]),
    _event(12, "run_finished", status="cancelled", error="The run was cancelled."),
]


def test_replan_rounds_are_separate_groups_and_every_end_state_is_labelled(server: LiveServer, page: Tab) -> None:
    p = page.page
    p.goto(server.url + "/#runs")
    p.evaluate("events => sessionStorage.setItem('tinyagent.run.run-replayed', JSON.stringify(events))", REPLANNED)
    p.goto(server.url + "/#run/run-replayed")  # a finished run in storage: drawn without asking the server
    expect(p.locator("section.round")).to_have_count(2)
    expect(p.locator('section.round[data-round="2"] h3')).to_have_text("Round 2 (replan)")
    expect(p.locator('section.round[data-round="2"] .reason')).to_have_text(
        "get_phone_number failed: no contact named Sidd."
    )
    labels = {key: p.locator(f'.node[data-task="{key}"] .badge').text_content() for key in ("1:1", "1:2", "2:1", "2:2")}
    assert labels == {"1:1": "failed: not_found", "1:2": "skipped: blocked", "2:1": "done", "2:2": "not run"}
    expect(p.locator("#run-status")).to_have_attribute("data-status", "cancelled")
    expect(p.locator("#run-error")).to_have_text("The run was cancelled.")
    assert not [r for r in page.requests if "/runs/run-replayed" in r.url]


@contextmanager
def scripted(server: LiveServer, *replies: str) -> Iterator[FakeModel]:
    """The live server's runs plan and join with the suite's scripted model for one test."""
    fake = FakeModel(*replies)
    runtime = server.app.state.runtime
    served = runtime.loaded
    runtime.loaded = fake.loaded()
    try:
        yield fake
    finally:
        runtime.loaded = served


def test_a_planned_request_is_drawn_and_its_replan_is_a_round_of_its_own(server: LiveServer, page: Tab) -> None:
    first = '1. get_phone_number("Zed")\n2. send_sms(["$1"], "I am late")\n3. join()<END_OF_PLAN>'
    second = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "I am late")\n3. join()<END_OF_PLAN>'
    replies = (first, "Thought: Zed is not a contact; Sid is.\nAction: Replan", second, "Action: Finish(Texted Sid.)")
    with scripted(server, *replies) as fake:
        p = page.page
        p.goto(server.url + "/")
        p.fill("#run-query", "Text Sid that I am late")
        p.click("#run-start")
        finished(p)
    assert not fake.queue, "every scripted reply was used"
    expect(p.locator("section.round")).to_have_count(2)
    expect(node(p, 1, 1)).to_have_attribute("data-state", "failed")
    expect(node(p, 2, 1)).to_have_attribute("data-state", "skipped")
    expect(node(p, 2, 2)).to_have_attribute("data-state", "done")
    expect(node(p, 2, 2).locator(".args")).to_have_text('send_sms(["+1 (415) 555-0101"], "I am late")')
    expect(p.locator('section.round[data-round="1"] .thoughts')).to_contain_text("Zed is not a contact")
    expect(p.locator("#run-answer")).to_have_text("Texted Sid.")
    page.screenshot("replan")
