"""ChatService: tool_choice modes, structured output and stops.

Two halves: a scripted generator pins down the orchestration exactly (prompts,
grammars, stops, budgets, usage); the tiny random-weight GGUF through
LlamaBackend proves the grammars hold on real llama.cpp, where only the
structure of the noise it writes can be asserted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fake_model import FakeModel, Reply
from gguf_factory import CHAT_TEMPLATE, load_tiny_backend
from tinyagent.chat.formats import ModelTemplate, get_chat_format
from tinyagent.chat.grammars import (
    auto_choice_grammar,
    call_prefix,
    json_object_grammar,
    tool_arguments_grammar,
    tool_call_grammar,
)
from tinyagent.chat.service import ChatResult, ChatService, collect
from tinyagent.chat.types import (
    ChatEvent,
    ChatFinished,
    ChatMessage,
    ChatRequest,
    ContentDelta,
    JsonObjectFormat,
    JsonSchemaFormat,
    NamedTool,
    ToolCallDelta,
    ToolChoice,
    ToolSpec,
)
from tinyagent.errors import InvalidRequest
from tinyagent.inference.llama_backend import LlamaBackend
from tinyagent.inference.types import (
    FinishReason,
    GenerationEvent,
    GenerationParams,
    ModelInfo,
    Usage,
)

pytestmark = pytest.mark.anyio

WEATHER = ToolSpec(
    "get_weather",
    "Weather forecast",
    {
        "type": "object",
        "properties": {"city": {"type": "string", "enum": ["Paris", "Oslo"]}, "days": {"type": "integer"}},
        "required": ["city", "days"],
        "additionalProperties": False,
    },
)
EMAIL = ToolSpec(
    "send_email",
    "Send an email",
    {
        "type": "object",
        "properties": {"to": {"type": "string", "maxLength": 12}, "urgent": {"type": "boolean"}},
        "required": ["to"],
        "additionalProperties": False,
    },
)
TOOLS = (WEATHER, EMAIL)
MESSAGES = (ChatMessage("system", "Be brief."), ChatMessage("user", "Weather in Paris?"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _request(tool_choice: ToolChoice = "auto", *, max_tokens: int = 100, seed: int = 0, **kwargs: Any) -> ChatRequest:
    stop = kwargs.pop("stop", ())
    params = GenerationParams(max_tokens=max_tokens, seed=seed, stop=stop)
    return ChatRequest(MESSAGES, params, tools=kwargs.pop("tools", TOOLS), tool_choice=tool_choice, **kwargs)


# --- the shared scripted model ------------------------------------------------------------------------


def reply(chunks: tuple[str, ...], finish: FinishReason = "stop", tokens: int = 5) -> Reply:
    """This file's default: 5 completion tokens and 1 cached, whatever the text."""
    return Reply(chunks, finish, tokens=tokens, cached=1)


def _service(*replies: Reply, fmt: str = "chatml") -> tuple[ChatService, FakeModel]:
    """The n-th generation reports total_s 1.0 and tokens_per_s n, so sums and last values show."""
    timed = [
        dataclasses.replace(r, timings={"total_s": 1.0, "tokens_per_s": float(n)}) for n, r in enumerate(replies, 1)
    ]
    generator = FakeModel(*timed, count_tokens=len)
    return ChatService(generator, get_chat_format(fmt), stop=("<PROFILE>",)), generator


async def _events(service: ChatService, request: ChatRequest) -> list[ChatEvent]:
    return [event async for event in service.stream(request)]


def _finished(events: list[ChatEvent]) -> ChatFinished:
    assert isinstance(events[-1], ChatFinished)
    assert not any(isinstance(e, ChatFinished) for e in events[:-1])
    return events[-1]


BLOCKS = (
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "days": 2}}\n</tool_call>\n'
    '<tool_call>\n{"name": "send_email", "arguments": {"to": "sid"}}\n</tool_call>'
)


async def test_auto_choosing_a_tool_regenerates_calls_from_the_original_prompt() -> None:
    service, gen = _service(reply(("<", "tool"), "length", tokens=2), reply((BLOCKS[:30], BLOCKS[30:]), tokens=40))
    result = await collect(service.stream(_request(stop=("x",))))
    (probe_prompt, probe), (prompt, params) = gen.history
    assert probe.grammar == auto_choice_grammar() and probe.max_tokens == 4 and probe.stop == ()
    assert prompt == probe_prompt and "# Tools" in prompt
    assert params.grammar == tool_call_grammar(TOOLS, parallel=True)
    assert params.stop == () and params.max_tokens == 98
    assert result.content is None and result.finish_reason == "tool_calls"
    assert [(c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("get_weather", {"city": "Oslo", "days": 2}),
        ("send_email", {"to": "sid"}),
    ]
    # Both phases' completion tokens count; the prompt counts once.
    assert result.usage == Usage(prompt_tokens=len(prompt), completion_tokens=42, cached_tokens=1)
    assert result.timings == {"total_s": 2.0, "tokens_per_s": 2.0}


async def test_auto_text_continues_from_the_probe() -> None:
    service, gen = _service(reply(("\nHel", "lo"), "length", tokens=2), reply((" world",), tokens=3))
    events = await _events(service, _request(stop=("STOP",)))
    assert [e.text for e in events if isinstance(e, ContentDelta)] == [
        "Hello",
        " world",
    ]  # leading blank trimmed
    (probe_prompt, _), (prompt, params) = gen.history
    assert prompt == probe_prompt + "\nHello"
    assert params.grammar is None and params.max_tokens == 98
    assert set(params.stop) == {"<|im_end|>", "<|im_start|>", "<PROFILE>", "STOP"}
    assert _finished(events).finish_reason == "stop"
    assert _finished(events).usage.completion_tokens == 5


async def test_auto_probe_that_ends_the_reply_needs_no_second_phase() -> None:
    service, gen = _service(reply(("Hi",), "stop", tokens=2))
    result = await service.complete(_request())
    assert (result.content, result.finish_reason, len(gen.history)) == ("Hi", "stop", 1)


async def test_auto_applies_stops_to_the_probe_text() -> None:
    service, gen = _service(reply(("ab", "STOPcd"), "length", tokens=4))
    result = await service.complete(_request(stop=("STOP",)))
    assert (result.content, result.finish_reason, len(gen.history)) == ("ab", "stop", 1)


async def test_auto_finds_a_stop_straddling_probe_and_continuation() -> None:
    service, gen = _service(
        reply(("Hel", "lo\nUs"), "length", tokens=2), reply(("er: more", " text"), tokens=9), fmt="gemma-base"
    )
    events = await _events(service, _request())
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "Hello"
    assert _finished(events).finish_reason == "stop"
    # The continuation was stopped before its Finished: its tokens are counted from its text.
    assert _finished(events).usage.completion_tokens == 2 + len("er: more")
    assert gen.closed == 2


async def test_auto_held_back_text_is_shown_when_no_stop_follows() -> None:
    service, _ = _service(reply(("ok\nUs",), "stop", tokens=2), fmt="gemma-base")
    assert (await service.complete(_request())).content == "ok\nUs"
    service, _ = _service(reply(("ok\nU",), "length", tokens=2), reply(("s",), tokens=1), fmt="gemma-base")
    assert (await service.complete(_request())).content == "ok\nUs"


async def test_auto_probe_using_the_whole_budget_is_cut_off() -> None:
    service, gen = _service(reply(("<tool",), "length", tokens=3))
    result = await service.complete(_request(max_tokens=3))
    assert (result.finish_reason, result.tool_calls, len(gen.history)) == ("length", (), 1)
    assert gen.history[0][1].max_tokens == 3


async def test_auto_text_with_a_response_format_restarts_under_its_grammar() -> None:
    service, gen = _service(reply(("Hi",), "length", tokens=1), reply(('{"a": 1}',), tokens=6))
    result = await service.complete(_request(response_format=JsonObjectFormat()))
    assert result.content == '{"a": 1}'
    (probe_prompt, _), (prompt, params) = gen.history
    assert prompt == probe_prompt and params.grammar == json_object_grammar()
    assert result.usage.completion_tokens == 7


async def test_named_tool_generates_only_the_arguments() -> None:
    service, gen = _service(reply(('{"to": ', '"sid"} '), tokens=6))
    events = await _events(service, _request(NamedTool("send_email"), stop=("}",)))
    prompt, params = gen.history[0]
    assert prompt.endswith("<|im_start|>assistant\n" + call_prefix("send_email"))
    assert params.grammar == tool_arguments_grammar(EMAIL) and params.stop == ()
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas[0].name == "send_email" and deltas[0].id and deltas[0].arguments == ""
    assert "".join(d.arguments for d in deltas) == '{"to": "sid"}'
    assert all(d.id is None and d.name is None for d in deltas[1:])
    assert _finished(events).finish_reason == "tool_calls"


async def test_required_without_parallel_calls_allows_one_call() -> None:
    service, gen = _service(reply((BLOCKS.split("\n<tool_call>")[0],)))
    result = await service.complete(_request("required", parallel_tool_calls=False))
    assert gen.history[0][1].grammar == tool_call_grammar(TOOLS, parallel=False)
    assert len(result.tool_calls) == 1 and result.finish_reason == "tool_calls"


async def test_a_repeated_call_ends_generation() -> None:
    first = BLOCKS.split("\n<tool_call>")[0]
    service, gen = _service(reply((first, "\n", first, "\n", first, "\n"), "length", tokens=100))
    result = await service.complete(_request("required"))
    assert [c.name for c in result.tool_calls] == ["get_weather"]
    assert result.finish_reason == "tool_calls" and gen.closed == 1
    # Stopped before the backend's Finished: usage is counted from the text (len() here).
    prompt = gen.history[0][0]
    assert result.usage == Usage(prompt_tokens=len(prompt), completion_tokens=len(first + "\n" + first))


async def test_tool_call_cut_off_reports_length() -> None:
    service, _ = _service(reply((BLOCKS[:60],), "length"))
    events = await _events(service, _request("required"))
    assert _finished(events).finish_reason == "length"
    assert not [e for e in events if isinstance(e, ToolCallDelta)]  # a call that does not parse is never shown


async def test_a_call_cut_after_a_whole_one_is_dropped() -> None:
    first = BLOCKS.split("\n<tool_call>")[0]
    service, _ = _service(reply((first, "\n", first[:40]), "length"))
    result = await service.complete(_request("required"))
    assert [c.name for c in result.tool_calls] == ["get_weather"] and result.finish_reason == "tool_calls"


async def test_a_repeat_in_another_layout_ends_the_calls() -> None:
    first = BLOCKS.split("\n<tool_call>")[0]
    respaced = first.replace('": ', '":').replace(", ", ",")
    assert respaced != first
    service, gen = _service(reply((first, "\n", respaced, "\n", first), "length", tokens=100))
    result = await service.complete(_request("required"))
    assert [c.name for c in result.tool_calls] == ["get_weather"] and result.finish_reason == "tool_calls"
    assert gen.closed == 1


async def test_named_tool_cut_short_shows_no_call() -> None:
    service, _ = _service(reply(('{"to": "si',), "length"))
    events = await _events(service, _request(NamedTool("send_email")))
    assert not [e for e in events if isinstance(e, ToolCallDelta)]
    assert _finished(events).finish_reason == "length"


async def test_none_is_plain_generation_without_tools() -> None:
    service, gen = _service(reply(("Sunny.",)))
    result = await service.complete(_request("none", response_format=JsonSchemaFormat({"type": "object"})))
    prompt, params = gen.history[0]
    assert "# Tools" not in prompt and params.grammar is not None and "{" in params.grammar
    assert (result.content, result.tool_calls, result.finish_reason) == ("Sunny.", (), "stop")


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        (_request(NamedTool("nope")), "tool_choice"),
        (_request(NamedTool("get_weather"), tools=()), "tool_choice"),
        (_request("required", tools=()), "tool_choice"),
        (_request(tools=(ToolSpec("f", "", {"type": "nope"}),)), "tools"),
        (_request("none", response_format=JsonSchemaFormat({"type": "nope"})), "response_format"),
    ],
)
def test_invalid_requests_fail_before_streaming(request_: ChatRequest, param: str) -> None:
    service, gen = _service()
    with pytest.raises(InvalidRequest) as err:
        service.stream(request_)  # raises on the call, not on the first event
    assert err.value.param == param and gen.history == []


async def test_closing_the_stream_closes_the_generation() -> None:
    service, gen = _service(reply(("a", "b", "c")))
    stream = service.stream(_request("none"))
    assert await anext(stream) == ContentDelta("a")
    await stream.aclose()
    assert gen.closed == 1


# --- the tiny GGUF on real llama.cpp ---------------------------------------------------------------


@pytest.fixture(scope="module")
def backend(tiny_gguf: Path) -> Iterator[LlamaBackend]:
    b = load_tiny_backend(tiny_gguf)
    yield b
    asyncio.run(b.aclose())


@pytest.fixture
def tiny(backend: LlamaBackend) -> ChatService:
    model = ModelTemplate(CHAT_TEMPLATE, bos_token="<s>", eos_token="<|im_end|>")
    return ChatService(backend, get_chat_format("jinja", model))


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The subset of JSON Schema these tests use (jsonschema is not a dependency)."""
    kinds = {"object": dict, "string": str, "integer": int, "boolean": bool, "array": list}
    kind = schema.get("type")
    if kind is not None and (not isinstance(value, kinds[kind]) or (kind == "integer" and value is True)):
        return [f"{path}: {value!r} is not {kind}"]
    errors = [f"{path}: {value!r} not in enum"] if "enum" in schema and value not in schema["enum"] else []
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        errors.append(f"{path}: too long")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {k}" for k in value if k not in props]
        for key, item in value.items():
            errors += schema_errors(item, props.get(key, {}), f"{path}.{key}")
    return errors


def test_the_validator_can_fail() -> None:
    assert schema_errors({"city": "Rome", "days": "2", "x": 1}, WEATHER.parameters) == [
        "$: unexpected x",
        "$.city: 'Rome' not in enum",
        "$.days: '2' is not integer",
    ]
    assert schema_errors({"to": "x" * 13}, EMAIL.parameters) == ["$.to: too long"]


def assert_valid_calls(result: ChatResult) -> None:
    assert result.tool_calls and result.content is None
    specs = {t.name: t for t in TOOLS}
    for call in result.tool_calls:
        assert call.id.startswith("call_")
        assert schema_errors(json.loads(call.arguments), specs[call.name].parameters) == []
    assert len({c.id for c in result.tool_calls}) == len(result.tool_calls)


@pytest.mark.parametrize("seed", range(4))
async def test_tiny_named_tool_gives_one_valid_call(tiny: ChatService, seed: int) -> None:
    result = await tiny.complete(_request(NamedTool("get_weather"), max_tokens=200, seed=seed))
    assert result.finish_reason == "tool_calls"
    assert [c.name for c in result.tool_calls] == ["get_weather"]
    assert_valid_calls(result)


async def test_tiny_required_parallel_calls_are_valid(tiny: ChatService) -> None:
    counts = []
    for seed in range(6):
        # A '"' stop would cut every call short if request stops reached the tool-call phase.
        result = await tiny.complete(_request("required", max_tokens=400, seed=seed, stop=('"', "}")))
        assert result.finish_reason == "tool_calls", result
        assert_valid_calls(result)
        counts.append(len(result.tool_calls))
    assert all(n >= 1 for n in counts)


async def test_tiny_required_streams_openai_deltas(tiny: ChatService) -> None:
    events = await _events(tiny, _request("required", max_tokens=400, seed=3))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    firsts = [d for d in deltas if d.id is not None]
    assert [d.index for d in firsts] == list(range(len(firsts)))
    assert all(d.name is not None and d.arguments == "" for d in firsts)
    assert all(d.name is None for d in deltas if d.id is None)
    assert not any(isinstance(e, ContentDelta) for e in events)


async def test_tiny_auto_is_well_formed_for_every_seed(tiny: ChatService) -> None:
    for seed in range(12):
        result = await tiny.complete(_request("auto", max_tokens=150, seed=seed))
        if result.tool_calls:
            assert result.finish_reason in ("tool_calls", "length")
            if result.finish_reason == "tool_calls":
                assert_valid_calls(result)
        else:
            assert result.finish_reason in ("stop", "length") and isinstance(result.content, str)
            assert "<tool_call>" not in result.content[:12]
        assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens >= 1


async def test_tiny_json_schema_response_matches(tiny: ChatService) -> None:
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}, "name": {"type": "string", "maxLength": 8}},
        "required": ["ok", "name"],
        "additionalProperties": False,
    }
    for seed in range(4):
        result = await tiny.complete(
            _request("none", max_tokens=200, seed=seed, response_format=JsonSchemaFormat(schema))
        )
        assert result.finish_reason == "stop" and result.content is not None
        assert schema_errors(json.loads(result.content), schema) == []


async def test_tiny_json_object_response_parses(tiny: ChatService) -> None:
    schema_free = _request("none", max_tokens=300, seed=1, tools=(), response_format=JsonObjectFormat())
    result = await tiny.complete(schema_free)
    if result.finish_reason == "stop":  # a random object may need more tokens than allowed
        assert result.content is not None and isinstance(json.loads(result.content), dict)
    else:
        assert result.content is not None and result.content.lstrip().startswith("{")


async def test_tiny_stop_sequences_are_honoured(tiny: ChatService) -> None:
    stops = ("a", "e", "n", "1")
    outcomes = []
    for seed in range(6):
        result = await tiny.complete(_request("none", max_tokens=200, seed=seed, stop=stops))
        assert result.content is not None and not any(s in result.content for s in stops)
        outcomes.append(result.finish_reason)
    assert "stop" in outcomes


@dataclass
class SteeredProbe:
    """The real backend, with the auto probe's choice forced: random weights almost never pick '<'."""

    inner: LlamaBackend
    probe_grammar: str
    prompts: list[str] = field(default_factory=list)

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    async def count_tokens(self, text: str) -> int:
        return await self.inner.count_tokens(text)

    def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]:
        self.prompts.append(prompt)
        if params.grammar == auto_choice_grammar():
            params = dataclasses.replace(params, grammar=self.probe_grammar)
        return self.inner.generate(prompt, params)


async def test_tiny_auto_tool_branch_makes_valid_calls(backend: LlamaBackend) -> None:
    steered = SteeredProbe(backend, 'root ::= "<tool_call>"')
    service = ChatService(steered, get_chat_format("chatml"))
    for seed in range(3):
        result = await service.complete(_request("auto", max_tokens=400, seed=seed))
        assert result.finish_reason == "tool_calls"
        assert_valid_calls(result)
    # Phase two starts from the very prompt the probe used, so llama.cpp reuses its KV cache.
    assert len(steered.prompts) == 6 and len(set(steered.prompts)) == 1


async def test_tiny_auto_text_branch_continues_the_probe(backend: LlamaBackend) -> None:
    steered = SteeredProbe(backend, 'root ::= "Hi" [a-z]*')  # never ends within the 4-token probe
    service = ChatService(steered, get_chat_format("chatml"))
    result = await service.complete(_request("auto", max_tokens=40, seed=0))
    assert result.tool_calls == () and result.content is not None
    probe_prompt, prompt = steered.prompts
    probe = prompt.removeprefix(probe_prompt)
    assert probe.startswith("Hi") and len(probe) == 4  # four one-letter tokens
    assert result.content.startswith(probe)
    assert result.usage.completion_tokens > 4
