"""ChatService: chat requests (messages, tools, response formats) on top of a TextGenerator.

Tool calls never depend on a model's native tool-call format: the tools are
described in the system prompt and grammars force the Hermes block format
(``grammars.py``), which ``ToolCallStreamParser`` turns into OpenAI deltas.

tool_choice "auto" runs in two phases so that it works on every model. Phase
one samples a few tokens under a grammar that allows either ``<tool_call>`` or
text that does not start with '<'. A '<' means the model chose to call a tool:
phase two generates the calls under the tool-call grammar from the original
prompt (llama.cpp reuses the prompt's KV cache). Otherwise the probe text is the
start of the reply and phase two continues it from prompt + probe. Usage counts
the prompt once and the completion tokens of both phases, because both were
generated; so an auto reply reports a few tokens more than it shows.

When several calls are allowed, an exact repeat of an earlier call block ends the
calls (small models otherwise repeat their call until max_tokens); the repeat is
not shown, and its tokens are counted from its text since the backend's own
count is lost when the generation is stopped early.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Literal

from tinyagent.chat.auto import ToolDecider, answer_messages
from tinyagent.chat.call_checks import no_call_written, schema_check
from tinyagent.chat.formats import ChatFormatter
from tinyagent.chat.grammars import (
    auto_choice_grammar,
    call_prefix,
    json_object_grammar,
    json_schema_grammar,
    tool_arguments_grammar,
    tool_call_grammar,
)
from tinyagent.chat.text_guards import LeadTrimmer, StopGuard
from tinyagent.chat.tool_calls import (
    CallGate,
    RepeatedCallGuard,
    ToolCallStreamParser,
    accumulate_tool_calls,
    with_tools_prompt,
)
from tinyagent.chat.types import (
    ChatEvent,
    ChatFinished,
    ChatRequest,
    ContentDelta,
    JsonObjectFormat,
    JsonSchemaFormat,
    NamedTool,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
)
from tinyagent.errors import TOOL_CHOICE, InvalidRequest
from tinyagent.inference.types import Finished, GenerationParams, TextDelta, TextGenerator, Usage

Mode = Literal["text", "named", "required", "auto"]
ChatFinishReason = Literal["stop", "length", "tool_calls"]

# Enough for a tokenizer to spell "<tool_call>" or to commit to text; kept small
# because the probe runs under a grammar (slow on big vocabularies).
AUTO_PROBE_TOKENS = 4


@dataclass(frozen=True)
class ChatResult:
    """A whole (non-streamed) reply."""

    content: str | None
    tool_calls: tuple[ToolCall, ...]
    finish_reason: ChatFinishReason
    usage: Usage
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Plan:
    mode: Mode
    prompt: str
    text_params: GenerationParams  # replies in text: all stops, the response_format grammar
    tool_params: GenerationParams  # tool calls: the tool grammar and no stops, which could cut it
    named_tool: str | None = None
    request: ChatRequest | None = None  # for a decider (tool_choice "auto")


@dataclass
class _Tally:
    """Finished events of every phase, merged into one honest usage."""

    phases: list[Finished] = field(default_factory=list)

    @property
    def completion_tokens(self) -> int:
        return sum(p.usage.completion_tokens for p in self.phases)

    @property
    def last(self) -> Finished:
        return self.phases[-1]

    def usage(self) -> Usage:
        first = self.phases[0].usage
        return Usage(first.prompt_tokens, self.completion_tokens, first.cached_tokens)

    def timings(self) -> dict[str, float]:
        merged: dict[str, float] = {}
        for phase in self.phases:
            for key, value in phase.timings.items():
                # Rates are not additive: keep the last phase's, which produced the reply.
                merged[key] = value if key.endswith("per_s") else merged.get(key, 0.0) + value
        return merged


class ChatService:
    def __init__(
        self,
        generator: TextGenerator,
        formatter: ChatFormatter,
        *,
        stop: Sequence[str] = (),
        auto_probe_tokens: int = AUTO_PROBE_TOKENS,
        decider: ToolDecider | None = None,
        check_calls: bool = False,
        call_repeat_guard: float = 0.0,
    ) -> None:
        """``stop``: the model profile's extra stop sequences. ``decider``: makes the tool_choice "auto"
        decision instead of the model's first tokens (chat/auto.py). ``check_calls``: the generator
        takes no grammar, so calls are checked against their schemas (chat/call_checks.py).
        ``call_repeat_guard``: DRY's multiplier while writing tool calls (inference/repeats.py)."""
        self._generator = generator
        self._formatter = formatter
        self._stop = tuple(stop)
        self._probe_tokens = auto_probe_tokens
        self.decider = decider
        self._check_calls = check_calls
        self._call_guard = call_repeat_guard

    def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        """Events of the reply, ending with one ChatFinished.

        Not a coroutine on purpose: invalid requests raise InvalidRequest here,
        before a response (or a 200 stream) has been started.
        """
        return self._run(self._plan(request))

    async def complete(self, request: ChatRequest) -> ChatResult:
        return await collect(self.stream(request))

    # --- planning ---------------------------------------------------------------------------------

    def _plan(self, request: ChatRequest) -> _Plan:
        mode = _mode(request)
        messages = request.messages if mode == "text" else with_tools_prompt(request.messages, request.tools)
        rendered = self._formatter.render(messages)
        stops = _unique((*rendered.stop, *self._stop, *request.params.stop))
        text_grammar = _response_grammar(request) or request.params.grammar
        text_params = dataclasses.replace(request.params, stop=stops, grammar=text_grammar)
        prompt, tool_grammar, named = rendered.prompt, None, None
        if mode == "named":
            tool = _named_tool(request)
            # The prompt ends inside the call block, so the model writes the arguments knowing whose they are.
            prompt, tool_grammar, named = (
                prompt + call_prefix(tool.name),
                tool_arguments_grammar(tool),
                tool.name,
            )
        elif mode != "text":
            # A decided "auto" makes one call: a small model offered more added calls nobody asked for
            # (measured on dev, docs/openai.md).
            decided = mode == "auto" and self.decider is not None
            tool_grammar = tool_call_grammar(request.tools, parallel=request.parallel_tool_calls and not decided)
        tool_params = dataclasses.replace(request.params, stop=(), grammar=tool_grammar, repeat_guard=self._call_guard)
        return _Plan(mode, prompt, text_params, tool_params, named, request)

    # --- running ----------------------------------------------------------------------------------
    # Every nested generator is iterated under aclosing(): closing the outer stream (client gone)
    # must reach the backend's generation at once, not whenever the garbage collector gets to it.

    async def _run(self, plan: _Plan) -> AsyncGenerator[ChatEvent, None]:
        tally = _Tally()
        outcome: list[ChatFinishReason] = []  # the finish reason, set by the mode's body
        auto = self._auto if self.decider is None else self._decided
        body = {"text": self._plain, "auto": auto}.get(plan.mode, self._forced)
        async with aclosing(body(plan, tally, outcome)) as events:
            async for event in events:
                yield event
        yield ChatFinished(outcome[0], tally.usage(), tally.timings())

    async def _plain(
        self, plan: _Plan, tally: _Tally, outcome: list[ChatFinishReason]
    ) -> AsyncGenerator[ChatEvent, None]:
        async with aclosing(self._text(plan.prompt, plan.text_params, tally, LeadTrimmer())) as events:
            async for event in events:
                yield event
        outcome.append(tally.last.finish_reason)

    async def _forced(
        self, plan: _Plan, tally: _Tally, outcome: list[ChatFinishReason]
    ) -> AsyncGenerator[ChatEvent, None]:
        """A named tool or "required": the grammar makes the reply tool calls."""
        check = schema_check(plan.request.tools) if self._check_calls and plan.request else None
        gate = CallGate(ToolCallStreamParser(), check)
        if plan.named_tool is not None:  # the prompt already holds the block's head
            gate.feed(call_prefix(plan.named_tool))
        async with aclosing(self._tools(plan.prompt, plan.tool_params, tally, gate)) as deltas:
            async for delta in deltas:
                yield delta
        if check is not None and not gate.shown:
            raise no_call_written()
        outcome.append(_tool_reason(tally.last, gate))

    async def _decided(
        self, plan: _Plan, tally: _Tally, outcome: list[ChatFinishReason]
    ) -> AsyncGenerator[ChatEvent, None]:
        """tool_choice "auto" decided by the decider: one call as under "required", or an answer from a
        prompt without the tools section, where no call syntax can leak."""
        assert self.decider is not None and plan.request is not None
        request = plan.request
        decision = await self.decider.decide(request.messages, request.tools)
        if decision.call:  # the plan already holds the tools prompt and the one-call grammar
            body = self._forced(plan, tally, outcome)
        else:
            answer = dataclasses.replace(request, tool_choice="none", messages=answer_messages(request.messages))
            body = self._plain(self._plan(answer), tally, outcome)
        async with aclosing(body) as events:
            async for event in events:
                yield event

    async def _auto(
        self, plan: _Plan, tally: _Tally, outcome: list[ChatFinishReason]
    ) -> AsyncGenerator[ChatEvent, None]:
        budget = plan.text_params.max_tokens
        probe_params = dataclasses.replace(
            plan.tool_params, grammar=auto_choice_grammar(), max_tokens=min(self._probe_tokens, budget)
        )
        async with aclosing(self._events(plan.prompt, probe_params, tally)) as probe_events:
            probe = "".join([e.text async for e in probe_events])
        remaining = budget - tally.completion_tokens
        if not probe.lstrip().startswith("<"):  # the grammar allows '<' only to open a tool call
            body = self._auto_text(plan, probe, remaining, tally, outcome)
        elif remaining > 0:
            budgeted = dataclasses.replace(plan, tool_params=_budget(plan.tool_params, remaining))
            body = self._forced(budgeted, tally, outcome)
        else:
            outcome.append("length")
            return
        async with aclosing(body) as events:
            async for event in events:
                yield event

    async def _auto_text(
        self, plan: _Plan, probe: str, remaining: int, tally: _Tally, outcome: list[ChatFinishReason]
    ) -> AsyncGenerator[ChatEvent, None]:
        if plan.text_params.grammar is None:
            body = self._auto_continue(plan, probe, remaining, tally, outcome)
        elif remaining > 0:
            # A probe cannot be continued under a structured-output grammar: restart the reply under it.
            body = self._plain(
                dataclasses.replace(plan, text_params=_budget(plan.text_params, remaining)), tally, outcome
            )
        else:
            outcome.append("length")
            return
        async with aclosing(body) as events:
            async for event in events:
                yield event

    async def _auto_continue(
        self, plan: _Plan, probe: str, remaining: int, tally: _Tally, outcome: list[ChatFinishReason]
    ) -> AsyncGenerator[ChatEvent, None]:
        """Streams the probe as content, then the rest of the reply from prompt + probe.

        The probe ran without stops (they could have cut "<tool_call>"), and the backend
        cannot see a stop that straddles the probe and the continuation, so stops are
        matched here across both.
        """
        trimmer, guard = LeadTrimmer(), StopGuard(plan.text_params.stop)
        shown, stopped = guard.push(probe)
        if stopped or tally.last.finish_reason == "stop" or remaining <= 0:
            if text := trimmer(shown if stopped else shown + guard.flush()):
                yield ContentDelta(text)
            outcome.append("stop" if stopped else tally.last.finish_reason)
            return
        if text := trimmer(shown):
            yield ContentDelta(text)
        prompt, received = plan.prompt + probe, []
        async with aclosing(self._events(prompt, _budget(plan.text_params, remaining), tally)) as deltas:
            async for delta in deltas:
                received.append(delta.text)
                shown, stopped = guard.push(delta.text)
                if text := trimmer(shown):
                    yield ContentDelta(text)
                if stopped:
                    break
        if stopped:  # cut short before its Finished: count what it generated
            tally.phases.append(await self._counted(prompt, "".join(received)))
        elif text := trimmer(guard.flush()):
            yield ContentDelta(text)
        outcome.append("stop" if stopped else tally.last.finish_reason)

    async def _counted(self, prompt: str, text: str) -> Finished:
        """A Finished for a generation we stopped before its own: tokens counted from the text."""
        prompt_tokens = await self._generator.count_tokens(prompt)
        generated = await self._generator.count_tokens(prompt + text) - prompt_tokens
        return Finished("stop", Usage(prompt_tokens=prompt_tokens, completion_tokens=max(generated, 1)))

    async def _text(
        self, prompt: str, params: GenerationParams, tally: _Tally, trimmer: LeadTrimmer
    ) -> AsyncGenerator[ContentDelta, None]:
        async with aclosing(self._events(prompt, params, tally)) as deltas:
            async for delta in deltas:
                if text := trimmer(delta.text):
                    yield ContentDelta(text)

    async def _tools(
        self, prompt: str, params: GenerationParams, tally: _Tally, gate: CallGate
    ) -> AsyncGenerator[ToolCallDelta, None]:
        """Tool-call deltas, each call's once it is whole (see ``CallGate``)."""
        guard, received, repeated = RepeatedCallGuard(), [], False
        async with aclosing(self._events(prompt, params, tally)) as deltas:
            async for delta in deltas:
                received.append(delta.text)
                text, repeated = guard.push(delta.text)
                for event in gate.feed(text):
                    yield event
                if repeated or gate.repeated:  # the calls are over: stop generating more copies
                    break
        if repeated or gate.repeated:
            tally.phases.append(await self._counted(prompt, "".join(received)))
        else:
            for event in gate.feed(guard.flush()):
                yield event
        for event in gate.finish():
            yield event

    async def _events(self, prompt: str, params: GenerationParams, tally: _Tally) -> AsyncGenerator[TextDelta, None]:
        """The text of one generation; its Finished goes to ``tally``."""
        stream = self._generator.generate(prompt, params)
        try:
            async for event in stream:
                if isinstance(event, Finished):
                    tally.phases.append(event)
                elif event.text:
                    yield event
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:  # TextGenerator promises only an AsyncIterator
                await aclose()


async def collect(events: AsyncIterable[ChatEvent]) -> ChatResult:
    """Folds a reply's events into one result, as a client accumulating the stream would."""
    content: list[str] = []
    deltas: list[ToolCallDelta] = []
    finished: ChatFinished | None = None
    async for event in events:
        if isinstance(event, ContentDelta):
            content.append(event.text)
        elif isinstance(event, ToolCallDelta):
            deltas.append(event)
        else:
            finished = event
    if finished is None:
        raise RuntimeError("the chat stream ended without ChatFinished")
    calls = accumulate_tool_calls(deltas)
    text = "".join(content)
    return ChatResult(
        content=None if calls and not text else text,
        tool_calls=calls,
        finish_reason=finished.finish_reason,
        usage=finished.usage,
        timings=finished.timings,
    )


def _mode(request: ChatRequest) -> Mode:
    choice = request.tool_choice
    if isinstance(choice, NamedTool):
        if not request.tools:
            raise InvalidRequest(
                "tool_choice names a function but no tools were given", param="tool_choice", code=TOOL_CHOICE
            )
        return "named"
    if choice == "required" and not request.tools:
        raise InvalidRequest('tool_choice "required" needs at least one tool', param="tool_choice", code=TOOL_CHOICE)
    if choice == "none" or not request.tools:
        return "text"
    return choice


def _named_tool(request: ChatRequest) -> ToolSpec:
    assert isinstance(request.tool_choice, NamedTool)
    name = request.tool_choice.name
    for tool in request.tools:
        if tool.name == name:
            return tool
    raise InvalidRequest(
        f"tool_choice names {name!r}, which is not among the tools", param="tool_choice", code=TOOL_CHOICE
    )


def _response_grammar(request: ChatRequest) -> str | None:
    fmt = request.response_format
    if isinstance(fmt, JsonObjectFormat):
        return json_object_grammar()
    if isinstance(fmt, JsonSchemaFormat):
        return json_schema_grammar(fmt.schema, param="response_format")
    return None


def _tool_reason(finished: Finished, gate: CallGate) -> ChatFinishReason:
    """ "tool_calls" whenever a whole call was shown, even if max_tokens cut a later one (dropped)."""
    if gate.shown:
        return "tool_calls"
    return "length" if finished.finish_reason == "length" else "stop"


def _budget(params: GenerationParams, max_tokens: int) -> GenerationParams:
    return dataclasses.replace(params, max_tokens=max_tokens)


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in items if s))
