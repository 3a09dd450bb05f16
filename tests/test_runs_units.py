"""Run internals without a server: joiner prompt and parsing, substitution, the executor, the store,
and the stored->live handover of subscriptions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fake_model import FakeModel
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.plan import Task
from tinyagent.runs.events import RunFinished, TaskCreated, event_from_json
from tinyagent.runs.executor import Executor, TaskResult, TaskState, substitute
from tinyagent.runs.joiner import (
    JoinAnswerDelta,
    JoinerOutputParser,
    RoundRecord,
    joiner_prompt,
    replan_context,
    scratchpad,
    stringify,
)
from tinyagent.runs.joiner_prompts import OUTPUT_PROMPT, OUTPUT_PROMPT_FINAL
from tinyagent.runs.manager import RunManager
from tinyagent.runs.request import RunConfig, RunRequest
from tinyagent.runs.store import RunStore
from tinyagent.toolrag.select import ToolChoice
from tinyagent.tools.registry import ArgType, ToolSet
from tinyagent.workers.protocol import ToolContext, ToolOutcome

TOOLS = ToolSet.all()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- joiner prompt and scratchpad ---------------------------------------------------------------------


def test_joiner_prompts_keep_upstreams_text() -> None:
    assert OUTPUT_PROMPT.startswith("Follow these rules:\n - You MUST only output either Finish or Replan")
    assert "john@doe.comopen_and_get_file_path" in OUTPUT_PROMPT and "again!Thought:" in OUTPUT_PROMPT
    assert "Question: What is the content of the Apple meeting notes? \n" in OUTPUT_PROMPT
    assert OUTPUT_PROMPT.endswith("Action: Replan\n###\n") and OUTPUT_PROMPT.count("###\n") == 5
    assert " - You MUST only output Finish, or you WILL BE PENALIZED.\n" in OUTPUT_PROMPT_FINAL
    assert "Replan" not in OUTPUT_PROMPT_FINAL and OUTPUT_PROMPT_FINAL.endswith("Action: Finish(Summary)\n###\n")
    assert joiner_prompt("q", "pad", final=False) == f"{OUTPUT_PROMPT}\nQuestion: q\n\npad\n"


def test_stringify_rule() -> None:
    assert stringify("get_phone_number", ("Sid",), TOOLS) == "get_phone_number(Sid)"
    assert stringify("send_sms", (("+1 415",), "hi"), TOOLS) == "send_sms(recipients=['+1 415'], message=hi)"
    assert (
        stringify("reply_to_email", ((), "Thanks", ()), TOOLS)
        == "reply_to_email(cc=[], content=Thanks, attachments=[])"
    )


def _state(task: Task, observation: str, args: tuple[Any, ...] | None = None) -> TaskState:
    state = TaskState(task, 1, args=args if args is not None else task.args)
    state.result = TaskResult(True, observation)
    return state


def test_scratchpad_and_replan_context() -> None:
    first = RoundRecord(1, [_state(Task.make(1, "get_phone_number", ["Sid"], thought="Find Sid"), "+1 415")])
    assert scratchpad([first], TOOLS) == "Thought: Find Sid\nget_phone_number(Sid)\nObservation: +1 415"
    first.join_thought = "Sid has no email"
    second = RoundRecord(2, plan_error="stopped")
    # Each entry ends with a newline and rounds are joined by two more, as upstream concatenates them.
    assert scratchpad([first, second], TOOLS).endswith("+1 415\n\n\njoin()\nObservation: stopped")
    assert replan_context([first], TOOLS) == (
        "Previous Plan:\n\nThought: Find Sid\n1. get_phone_number(Sid)\nObservation: +1 415\n\n\n"
        "Thought: Sid has no email\n\nCurrent Plan:\n\n"
    )


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_joiner_parser_streams_the_answer_whatever_the_chunking(chunk: int) -> None:
    text = "Thought: Easy.\nAction: Finish(Meeting (Friday) at 3)"
    parser = JoinerOutputParser(final=False)
    deltas = []
    for i in range(0, len(text), chunk):
        deltas += [d.text for d in parser.feed(text[i : i + chunk]) if isinstance(d, JoinAnswerDelta)]
    decision = parser.decision()
    assert decision.answer == "Meeting (Friday) at 3" and decision.thought == "Easy." and not decision.replan
    assert "".join(deltas) == decision.answer == decision.streamed


def test_joiner_parser_replan_summary_and_no_action() -> None:
    replan = JoinerOutputParser(final=False)
    replan.feed("Thought: The error is fixable.\nAction: Replan")
    assert replan.decision().replan
    final = JoinerOutputParser(final=True)
    final.feed("Action: Replan")
    assert not final.decision().replan  # the last round cannot replan
    summary = JoinerOutputParser(final=False)
    assert not [d for d in summary.feed("Action: Finish(Summary)") if isinstance(d, JoinAnswerDelta)]
    assert summary.decision().answer == "Summary"
    rambling = JoinerOutputParser(final=False)
    rambling.feed("no action here")
    assert rambling.decision().answer == "no action here"


# --- substitution -------------------------------------------------------------------------------------


def test_substitution() -> None:
    obs = {1: "one", 2: "two $1", 12: "twelve"}
    assert substitute("$12 and $1 and ${2}", obs) == "twelve and one and two $1"  # no re-substitution
    assert substitute(("$1", "x ${12}"), obs) == ("one", "x twelve")
    assert substitute("costs $40", obs) == "costs $40"
    assert substitute("$3", {3: " 60 "}, ArgType.INT) == 60
    assert substitute("$3", {3: "sixty"}, ArgType.INT) == "sixty"  # left for validation to refuse
    assert substitute("$3", {3: "True"}, ArgType.BOOL) is True


@pytest.mark.anyio
async def test_executor_starts_dependents_on_completion_and_runs_independents_together() -> None:
    plan = parse_plan(
        '1. get_phone_number("A")\n2. get_phone_number("B")\n3. send_sms(["$1", "$2"], "x")\n4. join()', TOOLS
    )
    both_running = asyncio.Event()
    running: set[int] = set()
    order: list[str] = []

    async def run_task(state: TaskState) -> TaskResult:
        order.append(f"start {state.task.id}")
        running.add(state.task.id)
        if {1, 2} <= running:
            both_running.set()
        if state.task.id in (1, 2):
            await both_running.wait()  # deadlocks unless 1 and 2 run at the same time
        running.discard(state.task.id)
        order.append(f"end {state.task.id}")
        return TaskResult(True, f"obs{state.task.id}")

    executor = Executor(1, {t.name: t for t in TOOLS}, run_task)
    for task in plan.tasks[:-1]:
        executor.add(task)
    await asyncio.wait_for(executor.wait(), 30)
    assert order.index("start 3") > max(order.index("end 1"), order.index("end 2"))
    assert executor.states[3].args == (("obs1", "obs2"), "x")


# --- store and manager --------------------------------------------------------------------------------


def test_store_round_trip_and_interrupted(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    store.create_run("r1", "q", None, "never")
    created = TaskCreated(run_id="r1", seq=1, ts=1.0, round=1, task_id=1, tool="t", args=["a", ["b"]], depends_on=[])
    store.append(created)
    assert store.events("r1") == [created] and event_from_json(created.to_json()) == created
    assert store.mark_interrupted() == ["r1"]
    last = store.events("r1", after=1)[0]
    assert isinstance(last, RunFinished) and last.status == "interrupted"
    assert store.get("r1").status == "interrupted"  # type: ignore[union-attr]
    assert store.tasks("r1")[0].status == "interrupted"


class InstantWorker:
    async def call(self, tool: str, args: Any, *, timeout: float, context: ToolContext | None = None) -> ToolOutcome:
        await asyncio.sleep(0)
        return ToolOutcome.success(f"{tool}:{args[0]}")


@pytest.mark.anyio
async def test_subscribers_joining_at_any_point_see_every_event_once(tmp_path: Path) -> None:
    manager = RunManager(RunStore(tmp_path / "runs.sqlite"), InstantWorker(), RunConfig(), model=lambda: None)
    text = "\n".join(f'{i}. get_phone_number("n{i}")' for i in range(1, 9)) + "\n9. join()"
    request = RunRequest(query=None, tools=TOOLS, now=datetime.now(UTC), plan=parse_plan(text, TOOLS), plan_text=text)
    run_id = manager.start(request)

    async def collect(after: int) -> list[int]:
        return [event.seq async for event in manager.subscribe(run_id, after)]

    early = asyncio.create_task(collect(0))
    await asyncio.sleep(0)
    late: list[asyncio.Task[list[int]]] = []
    for after in range(0, 30, 3):  # subscribe while the run is emitting, from many positions
        late.append(asyncio.create_task(collect(after)))
        await asyncio.sleep(0)
    full = await asyncio.wait_for(early, 30)
    assert full == list(range(1, len(full) + 1))
    for after, task in zip(range(0, 30, 3), late, strict=True):
        assert await asyncio.wait_for(task, 30) == [seq for seq in full if seq > after]
    await manager.aclose()


# --- a whole run on a scripted model: replanning, Finish(Summary), a stopped plan -----------------------


class FakeWorker:
    async def call(self, tool: str, args: Any, *, timeout: float, context: ToolContext | None = None) -> ToolOutcome:
        if tool == "get_email_address":
            return ToolOutcome.failure("not_found", "No contacts found")
        if tool == "summarize_pdf":
            return ToolOutcome.success("A long text about the demo.", kind="pdf_text")
        return ToolOutcome.success(f"{tool} ok")


async def _scripted_run(tmp_path: Path, model: FakeModel) -> list[Any]:
    loaded = model.loaded()
    config = RunConfig(use_grammar=False)
    manager = RunManager(RunStore(tmp_path / "runs.sqlite"), FakeWorker(), config, model=lambda: loaded)
    run_id = manager.start(RunRequest(query="Mail Zed", tools=TOOLS, now=datetime.now(UTC)))
    events = [event async for event in manager.subscribe(run_id)]
    await manager.aclose()
    return events


@pytest.mark.anyio
async def test_replan_round_sees_the_previous_plan(tmp_path: Path) -> None:
    model = FakeModel(
        '1. get_email_address("Zed")\nThought: Done.\n2. join()<END_OF_PLAN>',
        "Thought: The contact is missing; try again.\nAction: Replan",
        '1. get_phone_number("Zed")\n2. join()<END_OF_PLAN>',
        "Thought: Found it.\nAction: Finish(Zed has no email address)",
    )
    events = await _scripted_run(tmp_path, model)
    types = [e.type for e in events]
    assert types.count("task") == 2 and "replan" in types and events[-1].status == "succeeded"
    assert [e.round for e in events if e.type == "task"] == [1, 2]
    replan_prompt = model.prompts[2]
    assert "Previous Plan:\n\n1. get_email_address(Zed)\nObservation: Error: No contacts found\n" in replan_prompt
    assert "Thought: The contact is missing; try again.\n\nCurrent Plan:\n\n" in replan_prompt
    assert OUTPUT_PROMPT_FINAL.splitlines()[1] in model.prompts[3]  # the last round may only Finish
    assert "".join(e.text for e in events if e.type == "answer_token") == "Zed has no email address"


@pytest.mark.anyio
async def test_finish_summary_is_the_pdf_summary(tmp_path: Path) -> None:
    model = FakeModel(
        '1. open_and_get_file_path("Demo")\n2. summarize_pdf("$1")\n3. join()<END_OF_PLAN>',
        "It is about the demo.",  # the summary of the PDF text
        "Action: Finish(Summary)",
    )
    events = await _scripted_run(tmp_path, model)
    assert "Document:\nA long text about the demo." in model.prompts[1]
    assert events[-1].answer == "It is about the demo."
    assert [e.text for e in events if e.type == "answer_token"] == ["It is about the demo."]


@pytest.mark.anyio
async def test_stopped_plan_becomes_the_joiners_observation(tmp_path: Path) -> None:
    model = FakeModel(
        '1. get_contact_info("Sid")\n2. join()<END_OF_PLAN>',
        "Thought: Cannot fix.\nAction: Replan",
        "1. join()<END_OF_PLAN>",
        "Action: Finish(Sorry)",
    )
    events = await _scripted_run(tmp_path, model)
    assert "join()\nObservation: The plan generation was stopped due to an error in tool" in model.prompts[1]
    assert "Tool get_contact_info not found! You MUST correct this error and try again!" in model.prompts[1]
    assert events[-1].answer == "Sorry"


@pytest.mark.anyio
async def test_toolrag_hook_narrows_the_first_prompt_only(tmp_path: Path) -> None:
    model = FakeModel(
        '1. get_email_address("Zed")\n2. join()<END_OF_PLAN>',
        "Action: Replan",
        "1. join()<END_OF_PLAN>",
        "Action: Finish(done)",
    )
    chosen = TOOLS.select(tools=["get_email_address"])

    class FixedChoice:
        """Stands in for ToolRAG's choice: the loop must take it for round one and only there."""

        async def achoose(self, query: str, enabled: ToolSet, **_: Any) -> tuple[ToolChoice, None]:
            assert query == "Mail Zed" and enabled == TOOLS
            return ToolChoice(chosen, "Question: example\n1. join()<END_OF_PLAN>\n###\n"), None

    async def toolrag() -> Any:
        return FixedChoice()

    loaded = model.loaded()
    config = RunConfig(use_grammar=False)
    manager = RunManager(RunStore(tmp_path / "r.sqlite"), FakeWorker(), config, model=lambda: loaded, toolrag=toolrag)
    run_id = manager.start(RunRequest(query="Mail Zed", tools=TOOLS, now=datetime.now(UTC)))
    events = [event async for event in manager.subscribe(run_id)]
    await manager.aclose()
    assert events[-1].status == "succeeded"
    assert "send_sms(recipients:" not in model.prompts[0] and "Question: example\n" in model.prompts[0]
    assert "send_sms(recipients:" in model.prompts[2]  # replanning sees every enabled tool


@pytest.mark.anyio
async def test_event_hook_sees_every_event_once_and_cannot_break_a_run(tmp_path: Path) -> None:
    seen: list[int] = []

    def hook(event: Any) -> None:
        seen.append(event.seq)
        if event.type == "task_finished":
            raise RuntimeError("a broken metrics hook")

    store = RunStore(tmp_path / "runs.sqlite")
    manager = RunManager(store, InstantWorker(), RunConfig(), model=lambda: None, on_event=hook)
    text = '1. get_phone_number("a")\n2. join()'
    request = RunRequest(query=None, tools=TOOLS, now=datetime.now(UTC), plan=parse_plan(text, TOOLS), plan_text=text)
    run_id = manager.start(request)
    events = [event async for event in manager.subscribe(run_id)]
    await manager.aclose()
    assert seen == [e.seq for e in events] and events[-1].status == "succeeded"
