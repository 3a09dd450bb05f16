"""Planner: prompt through the chat format, streamed tasks, grammar-valid plans (tiny GGUF), stops."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from fake_model import FakeModel, Reply
from gguf_factory import load_tiny_backend
from tinyagent.chat.formats import ChatMLFormatter, get_chat_format
from tinyagent.errors import ContextLengthExceeded
from tinyagent.inference.llama_backend import LlamaBackend
from tinyagent.models.profiles import TINYAGENT
from tinyagent.planning.planner import (
    DEFAULT_PLAN_TOKENS,
    SEEDED_TEMPERATURE,
    PlanEvent,
    PlanFinished,
    Planner,
    PlanRequest,
    PlanToken,
    TaskParsed,
)
from tinyagent.plans.grammar import PlanGrammarOptions
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.prompts import DEFAULT_EXAMPLES, END_OF_PLAN, build_system_prompt, examples_block
from tinyagent.tools.registry import ToolSet

NOW = datetime(2026, 11, 23, 20, 12)
SMALL = ToolSet.all().select(apps=["contacts", "sms"])
# Short strings and plans: the random-weight model would otherwise fill every bound.
TIGHT = PlanGrammarOptions(max_lines=5, max_string_chars=6, max_list_items=2, max_thought_chars=6)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def collect(planner: Planner, req: PlanRequest) -> list[PlanEvent]:
    return [event async for event in planner.stream(req)]


# --- the shared scripted model ------------------------------------------------------------------------


def scripted_planner(
    *chunks: str, context_length: int = 4096, error: Exception | None = None
) -> tuple[Planner, FakeModel]:
    """A planner on a FakeModel that streams ``chunks`` once (ending with the backend's own usage)."""
    model = FakeModel(
        Reply(chunks, error=error, tokens=len(chunks), timings={"prompt_s": 0.5}), context_length=context_length
    )
    return Planner(model, ChatMLFormatter(), stop=("<|im_end|>",)), model


def test_prompt_is_rendered_by_the_chat_format_alpaca_golden() -> None:
    planner = Planner(FakeModel(), get_chat_format("alpaca"), stop=TINYAGENT.stop)
    req = PlanRequest("Text Sid hi", SMALL, NOW)
    rendered = planner.render(req)
    system = build_system_prompt(SMALL, NOW)
    assert rendered.prompt == f"### Instruction:\n{system}\n\n### Input:\nQuestion: Text Sid hi\n\n### Response:\n"
    assert rendered.prompt.startswith("### Instruction:\nGiven a user query, create a plan")
    assert " - Today's date is Monday 2026-11-23 20:12\n" in rendered.prompt
    assert system.endswith("Here are some examples:\n\n" + examples_block(DEFAULT_EXAMPLES))
    assert rendered.stop == ("### Instruction:", "### Input:", END_OF_PLAN)


def test_prompt_chatml_instructions_and_examples_block() -> None:
    planner = Planner(FakeModel(), ChatMLFormatter())
    block = 'Question: Call Sid.\n1. get_phone_number("Sid")\n2. join()<END_OF_PLAN>\n###\n'
    req = PlanRequest("q", SMALL, NOW, user_instructions=("Be brief.", "Use French."), examples=block)
    rendered = planner.render(req)
    assert rendered.prompt.startswith("<|im_start|>system\nGiven a user query")
    assert rendered.prompt.endswith(
        f"Here are some examples:\n\n{block}<|im_end|>\n<|im_start|>user\nQuestion: q<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert " - Be brief.\n - Use French.\n\n" in rendered.prompt
    assert "Lutfi" not in rendered.prompt  # the default examples are replaced, not added to
    assert rendered.stop == ("<|im_end|>", "<|im_start|>", END_OF_PLAN)


def test_sampling_defaults_greedy_grammar_and_budget() -> None:
    planner, gen = scripted_planner("1. join()")
    run(planner.plan(PlanRequest("q", SMALL, NOW)))
    gen.enqueue("1. join()")
    run(planner.plan(PlanRequest("q", SMALL, NOW, seed=7, use_grammar=False, max_tokens=33)))
    greedy, seeded = gen.params
    assert greedy.temperature == 0.0 and greedy.seed is None
    assert greedy.grammar is not None and greedy.grammar.startswith("root ::= line-1")
    # The grammar's byte bound is larger: the default plan cap or the context, whichever is smaller.
    assert greedy.max_tokens == min(gen.context_length, DEFAULT_PLAN_TOKENS)
    assert END_OF_PLAN in greedy.stop
    assert seeded.temperature == SEEDED_TEMPERATURE and seeded.seed == 7
    assert seeded.grammar is None and seeded.max_tokens == 33


def test_stops_after_join_and_frees_the_generator() -> None:
    planner, gen = scripted_planner('1. get_phone_number("Sid")\n', "2. join()\n", "Question: more", " junk\n")
    events = run(collect(planner, PlanRequest("q", SMALL, NOW)))
    finished = events[-1]
    assert isinstance(finished, PlanFinished) and finished.valid
    assert gen.consumed == 2 and gen.closed
    assert finished.raw == '1. get_phone_number("Sid")\n2. join()\n'
    # Stopped before the backend's Finished: usage is counted from the text.
    assert finished.usage.completion_tokens == 4 and finished.usage.prompt_tokens > 100
    assert [t.id for t in finished.outcome.tasks] == [1, 2]


def test_fatal_error_stops_generation() -> None:
    planner, gen = scripted_planner('1. get_contact_info("Sid")\n', '2. send_sms(["$1"], "hi")\n', "3. join()")
    finished = run(planner.plan(PlanRequest("q", SMALL, NOW)))
    assert not finished.valid and gen.consumed == 1 and gen.closed
    assert [e.code for e in finished.outcome.fatal_errors][0] == "unknown_tool"
    assert finished.outcome.tasks == ()


def test_events_order_and_timings_with_scripted_tokens() -> None:
    chunks = ("1. get_phone", '_number("Sid")', "\n", 'Thought: ok\n2. send_sms(["$1"], "hi")\n', "3. join()")
    planner, _ = scripted_planner(*chunks)
    events = run(collect(planner, PlanRequest("q", SMALL, NOW)))
    kinds = [type(e).__name__ for e in events]
    assert kinds[:3] == ["PlanToken", "PlanToken", "PlanToken"]
    assert kinds[3] == "TaskParsed"  # line 1, at once when its newline arrived
    assert kinds[-2:] == ["TaskParsed", "PlanFinished"]  # the join line, parsed at the end
    finished = events[-1]
    assert isinstance(finished, PlanFinished)
    assert finished.outcome.plan is not None and finished.outcome.plan.tasks[1].thought == "ok"
    assert set(finished.timings) >= {"time_to_first_task_s", "total_s", "tokens_per_s", "prompt_s"}
    assert 0 <= finished.timings["time_to_first_task_s"] <= finished.timings["total_s"]


def test_closing_the_stream_closes_the_generation() -> None:
    planner, gen = scripted_planner("1. get_phone", '_number("Sid")\n', "2. join()")

    async def first_token_then_close() -> None:
        stream = planner.stream(PlanRequest("q", SMALL, NOW))
        assert isinstance(await anext(stream), PlanToken)
        await stream.aclose()

    run(first_token_then_close())
    assert gen.closed and gen.consumed == 1


def test_context_overflow_names_the_tools() -> None:
    error = ContextLengthExceeded("This model's maximum context length is 10 tokens.", param="messages")
    planner, _ = scripted_planner(error=error)
    with pytest.raises(ContextLengthExceeded) as info:
        run(planner.plan(PlanRequest("q", SMALL, NOW)))
    assert info.value.param == "tools" and "fewer tools" in info.value.message


# --- the tiny real GGUF ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backend(tiny_gguf: Path) -> Iterator[LlamaBackend]:
    # A char-level vocabulary makes the planner prompt ~4k tokens: beyond the tiny model's 2048.
    llm = load_tiny_backend(tiny_gguf, n_ctx=8192, n_threads=1)
    yield llm
    asyncio.run(llm.aclose())


def tiny_request(seed: int, tools: ToolSet = SMALL) -> PlanRequest:
    return PlanRequest("Text Sid hi", tools, NOW, examples="", seed=seed, grammar_options=TIGHT)


def test_tasks_are_emitted_before_generation_ends(backend: LlamaBackend) -> None:
    planner = Planner(backend, ChatMLFormatter())

    async def first_long_plan() -> list[PlanEvent]:
        for seed in range(50):
            events = await collect(planner, tiny_request(seed))
            finished = events[-1]
            assert isinstance(finished, PlanFinished)
            if len(finished.outcome.tasks) >= 3:
                return events
        raise AssertionError("no plan with two calls in 50 seeds")

    events = run(first_long_plan())
    first_task = next(i for i, e in enumerate(events) if isinstance(e, TaskParsed))
    last_token = max(i for i, e in enumerate(events) if isinstance(e, PlanToken))
    assert first_task < last_token < len(events) - 1
    assert isinstance(events[-1], PlanFinished)


def test_100_seeds_under_the_grammar_all_parse_and_validate(backend: LlamaBackend) -> None:
    planner = Planner(backend, ChatMLFormatter())

    async def plans() -> list[PlanFinished]:
        return [await planner.plan(tiny_request(seed)) for seed in range(100)]

    results = run(plans())
    for finished in results:
        assert finished.valid, (finished.raw, finished.outcome.errors)
        assert finished.outcome.fatal_errors == ()
        assert finished.outcome.plan is not None
        assert finished.outcome.tasks == finished.outcome.plan.tasks
        # The same text parsed whole gives the same plan as the stream did.
        assert parse_plan(finished.raw, SMALL).plan == finished.outcome.plan
    assert len({f.raw for f in results}) > 50  # seeds really vary the samples


def test_zero_tools_gives_a_join_only_plan(backend: LlamaBackend) -> None:
    planner = Planner(backend, ChatMLFormatter())
    finished = run(planner.plan(tiny_request(0, ToolSet(()))))
    assert finished.valid
    assert finished.outcome.plan is not None
    assert [t.tool for t in finished.outcome.plan.tasks] == ["join"]
    assert "following 1 types:\n1. join():" in planner.render(tiny_request(0, ToolSet(()))).prompt
