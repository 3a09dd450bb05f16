"""The LLMCompiler planner: a query in, a streamed and validated plan DAG out.

The prompt is upstream's planner prompt (``prompts.py``) sent as a chat: system = the planner
prompt, user = ``Question: {query}``, rendered by the model profile's chat format (Alpaca for the
TinyAgent GGUFs, ChatML for SmolLM2...). Sampling is greedy like upstream unless a seed or a
temperature is given. With ``use_grammar`` the plan grammar (``plan_grammar.py``) makes every
plan parse, so the model can only get the *content* wrong.

Each plan line becomes a ``TaskParsed`` as soon as its newline arrives, so an executor can start
tools while the model is still writing. Generation stops at ``join()``, at ``<END_OF_PLAN>``, or at
the first fatal plan error (upstream's early stop on a hallucinated tool): nothing after those can
run, and the model is freed sooner. Closing the stream stops generation at the next token.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime

from tinyagent.chat.formats import ChatFormatter, RenderedPrompt
from tinyagent.chat.types import ChatMessage
from tinyagent.errors import ContextLengthExceeded
from tinyagent.inference.types import (
    Finished,
    FinishReason,
    GenerationEvent,
    GenerationParams,
    TextGenerator,
    Usage,
)
from tinyagent.planning.guided import guided_grammar, guided_prompt
from tinyagent.plans.copied import in_request_words
from tinyagent.plans.grammar import PlanGrammarOptions, max_plan_bytes, plan_grammar
from tinyagent.plans.inline import InlinePlanError, expand
from tinyagent.plans.parser import PlanOutcome, StreamingPlanParser
from tinyagent.plans.plan import Task
from tinyagent.plans.prompts import END_OF_PLAN, build_system_prompt
from tinyagent.plans.skeleton import FILLS, PlanGuide
from tinyagent.tools.registry import ToolSet

# The longest dev-set reference plan is ~150 tokens; every plan cut at 512 in bench_planner was looping.
DEFAULT_PLAN_TOKENS = 512
# Upstream plans greedily; a seed alone asks for variety, which needs some temperature.
SEEDED_TEMPERATURE = 0.8


@dataclass(frozen=True)
class PlanRequest:
    query: str
    tools: ToolSet
    # The user's wall-clock time, in their zone: the prompt's "Today's date" line.
    now: datetime
    # Setting-level instructions first, then the request's; each becomes a prompt bullet.
    user_instructions: tuple[str, ...] = ()
    # A rendered examples block ("...###\n" per example); None = upstream's four default examples.
    examples: str | None = None
    use_grammar: bool = True
    max_tokens: int | None = None
    seed: int | None = None
    temperature: float | None = None
    grammar_options: PlanGrammarOptions | None = None
    # A skeleton and its examples (guided planning, for small models): the model fills only arguments,
    # and those of the ``fill`` kinds the request names are computed from it (plans/values.py).
    guide: PlanGuide | None = None
    fill: frozenset[str] = FILLS


@dataclass(frozen=True)
class TaskParsed:
    task: Task


@dataclass(frozen=True)
class PlanToken:
    text: str


@dataclass(frozen=True)
class PlanFinished:
    """``outcome.tasks`` holds every emitted task; ``outcome.plan`` is None when the plan is invalid."""

    outcome: PlanOutcome
    raw: str
    usage: Usage
    timings: dict[str, float] = field(default_factory=dict)
    finish_reason: FinishReason = "stop"

    @property
    def valid(self) -> bool:
        return self.outcome.plan is not None


PlanEvent = TaskParsed | PlanToken | PlanFinished


@dataclass(frozen=True)
class _Prepared:
    prompt: str
    params: GenerationParams
    tools: ToolSet
    guided: bool = False
    query: str = ""  # a guided plan's MCP text is put in the request's words (plans/copied.py)


@dataclass
class _Clock:
    """When things happened during one plan, for the timings."""

    started: float = field(default_factory=time.perf_counter)
    first_token: float | None = None
    first_task: float | None = None

    def timings(self, finished: Finished | None, completion_tokens: int) -> dict[str, float]:
        now = time.perf_counter()
        timings = dict(finished.timings) if finished is not None else {}
        timings["total_s"] = now - self.started
        if self.first_task is not None:
            timings["time_to_first_task_s"] = self.first_task - self.started
        if "tokens_per_s" not in timings:
            span = now - (self.first_token or now)
            timings["tokens_per_s"] = (completion_tokens - 1) / span if completion_tokens > 1 and span else 0.0
        return timings


def _temperature(req: PlanRequest) -> float:
    if req.temperature is not None:
        return req.temperature
    return SEEDED_TEMPERATURE if req.seed is not None else 0.0


def _expanded(model_text: str, tools: ToolSet, query: str) -> str:
    """A guided plan as a TinyAgent plan (lookups added, MCP text in the request's words); the model's
    own text if it is not a plan, which only happens without the grammar, so that the parser reports
    what the model wrote."""
    try:
        return in_request_words(expand(model_text, tools), query, tools) + END_OF_PLAN
    except InlinePlanError:
        return model_text


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


class Planner:
    def __init__(self, generator: TextGenerator, formatter: ChatFormatter, *, stop: Sequence[str] = ()) -> None:
        """``stop``: the model profile's stop sequences (``<END_OF_PLAN>`` is always added)."""
        self._generator = generator
        self._formatter = formatter
        self._stop = tuple(stop)

    def system_prompt(self, req: PlanRequest) -> str:
        if req.examples is None:
            return build_system_prompt(req.tools, req.now, user_instructions=req.user_instructions)
        # A ready block is appended as is: with no examples the prompt ends at "Here are some examples:\n\n".
        no_examples = build_system_prompt(req.tools, req.now, user_instructions=req.user_instructions, examples=())
        return no_examples + req.examples

    def render(self, req: PlanRequest) -> RenderedPrompt:
        """The exact prompt text and stop sequences one plan request sends to the model."""
        messages = (
            ChatMessage(role="system", content=self.system_prompt(req)),
            ChatMessage(role="user", content=f"Question: {req.query}"),
        )
        rendered = self._formatter.render(messages)
        return RenderedPrompt(rendered.prompt, _unique((*rendered.stop, *self._stop, END_OF_PLAN)))

    def stream(self, req: PlanRequest) -> AsyncGenerator[PlanEvent, None]:
        """PlanToken / TaskParsed events, then one PlanFinished.

        Not a coroutine on purpose: a request the formatter rejects raises here, before a
        response has started.
        """
        return self._run(self._prepare(req))

    async def plan(self, req: PlanRequest) -> PlanFinished:
        async with aclosing(self.stream(req)) as events:
            async for event in events:
                if isinstance(event, PlanFinished):
                    return event
        raise RuntimeError("the plan stream ended without PlanFinished")

    # --- internals --------------------------------------------------------------------------------

    def _prepare(self, req: PlanRequest) -> _Prepared:
        if req.guide is not None:
            return self._prepare_guided(req, req.guide)
        rendered = self.render(req)
        options = req.grammar_options or PlanGrammarOptions()
        grammar = plan_grammar(req.tools, options) if req.use_grammar else None
        # Every token is at least one byte, so the grammar's byte bound is a safe token budget; but a small
        # model that loops inside a string would use all of it (minutes on a laptop), so by default a plan
        # is also capped at DEFAULT_PLAN_TOKENS. The backend further clamps to the room left in the context.
        context = self._generator.info.context_length or DEFAULT_PLAN_TOKENS  # 0: a remote that does not say
        bound = min(max_plan_bytes(req.tools, options), context, DEFAULT_PLAN_TOKENS)
        budget = req.max_tokens or bound
        params = GenerationParams(
            max_tokens=budget, temperature=_temperature(req), seed=req.seed, stop=rendered.stop, grammar=grammar
        )
        return _Prepared(rendered.prompt, params, req.tools)

    def _prepare_guided(self, req: PlanRequest, guide: PlanGuide) -> _Prepared:
        """A raw completion (no chat template): the examples are the whole instruction."""
        prompt = guided_prompt(req.query, guide, req.tools, req.now, req.user_instructions)
        grammar = guided_grammar(req.query, guide, req.tools, req.now, req.fill) if req.use_grammar else None
        params = GenerationParams(
            max_tokens=req.max_tokens or DEFAULT_PLAN_TOKENS,
            temperature=_temperature(req),
            seed=req.seed,
            stop=("###", "\n\n", "Question:", *self._stop),
            grammar=grammar,
        )
        return _Prepared(prompt, params, req.tools, guided=True, query=req.query)

    async def _run(self, prepared: _Prepared) -> AsyncGenerator[PlanEvent, None]:
        parser = StreamingPlanParser(prepared.tools)
        live = not prepared.guided  # an inline plan is not the plan yet: it is parsed once expanded
        clock = _Clock()
        raw: list[str] = []
        emitted: list[Task] = []
        finished: Finished | None = None
        async with aclosing(self._generate(prepared)) as events:
            async for event in events:
                if isinstance(event, Finished):
                    finished = event
                    break
                clock.first_token = clock.first_token or time.perf_counter()
                raw.append(event.text)
                yield PlanToken(event.text)
                for task in parser.feed(event.text) if live else ():
                    clock.first_task = clock.first_task or time.perf_counter()
                    emitted.append(task)
                    yield TaskParsed(task)
                if parser.done or parser.fatal:
                    break  # nothing after join() or a fatal error can run: free the model now
        model_text = "".join(raw)
        text = model_text if live else _expanded(model_text, prepared.tools, prepared.query)
        tail = [] if live else parser.feed(text)
        outcome = parser.finish()
        for task in (*tail, *outcome.tasks):
            clock.first_task = clock.first_task or time.perf_counter()
            emitted.append(task)
            yield TaskParsed(task)
        usage = finished.usage if finished is not None else await self._count_usage(prepared.prompt, model_text)
        yield PlanFinished(
            outcome=PlanOutcome(tuple(emitted), outcome.plan, outcome.errors),
            raw=text,
            usage=usage,
            timings=clock.timings(finished, usage.completion_tokens),
            finish_reason=finished.finish_reason if finished is not None else "stop",
        )

    async def _generate(self, prepared: _Prepared) -> AsyncGenerator[GenerationEvent, None]:
        stream = self._generator.generate(prepared.prompt, prepared.params)
        try:
            async for event in stream:
                yield event
        except ContextLengthExceeded as exc:
            raise ContextLengthExceeded(
                f"{exc.message} The planner prompt grows with each enabled tool: select fewer tools or apps.",
                param="tools",
            ) from None
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:  # TextGenerator promises only an AsyncIterator; stop the model now
                await aclose()

    async def _count_usage(self, prompt: str, text: str) -> Usage:
        """Usage when generation was stopped before the backend's own count arrived."""
        base = await self._generator.count_tokens("")  # BOS and the like, counted once per call
        prompt_tokens = await self._generator.count_tokens(prompt)
        completion = await self._generator.count_tokens(text) - base if text else 0
        return Usage(prompt_tokens=prompt_tokens, completion_tokens=max(completion, 0))
