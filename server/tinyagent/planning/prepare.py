"""The one path from a request to the planner's input, shared by /plan, /run, ``tinyagent plan`` and
``tinyagent eval``, so that what a plan is made of cannot differ between them.

A caller states what the request asks for in ``PlanOptions`` (``PlanOptions.from_settings`` fills
what it leaves open from the server's settings and the model's profile); ``prepare_plan`` then
chooses the prompt's tools, examples or skeleton (ToolRAG, guided planning) and returns the
``PlanRequest`` and the ``Planner`` that will write the plan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from tinyagent.models.loaded import LoadedModel
from tinyagent.planning.planner import Planner, PlanRequest
from tinyagent.plans.grammar import PlanGrammarOptions
from tinyagent.plans.skeleton import FILLS
from tinyagent.settings import Settings
from tinyagent.toolrag.select import DEFAULT_TOP_K, ToolChoice, ToolRAG, ToolRAGResult
from tinyagent.tools.registry import ToolSet

# ``await source()`` gives the ToolRAG to use; it is only called when a plan needs it.
ToolRAGSource = Callable[[], Awaitable[ToolRAG]]


@dataclass(frozen=True)
class PlanOptions:
    query: str
    tools: ToolSet  # the enabled tools, narrowed to those the request names
    now: datetime  # the user's wall clock, in their zone: the prompt's date
    instructions: tuple[str, ...] = ()  # the server's, then the request's; each a prompt bullet
    grammar: bool = True
    toolrag: bool = True  # ToolRAG picks the prompt's tools and examples
    guided: bool | None = None  # fill a bank skeleton; None: as the model profile plans
    top_k: int = DEFAULT_TOP_K
    max_tokens: int | None = None
    seed: int | None = None
    temperature: float | None = None
    grammar_options: PlanGrammarOptions | None = None
    fill: frozenset[str] = FILLS  # guided plans: the argument kinds computed from the request

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        query: str,
        tools: ToolSet,
        now: datetime,
        *,
        instructions: str | None = None,
        grammar: bool | None = None,
        toolrag: bool | None = None,
        guided: bool | None = None,
    ) -> PlanOptions:
        """The request's choices; where it makes none (None), the server's settings."""
        texts = (settings.planner_instructions, instructions)
        return cls(
            query=query,
            tools=tools,
            now=now,
            instructions=tuple(text for text in texts if text and text.strip()),
            grammar=settings.plan_grammar if grammar is None else grammar,
            toolrag=settings.toolrag if toolrag is None else toolrag,
            guided=guided,
            top_k=settings.toolrag_top_k,
        )


@dataclass(frozen=True)
class PreparedPlan:
    planner: Planner
    request: PlanRequest
    retrieved: ToolRAGResult | None = None  # what ToolRAG retrieved for the prompt, when it did


async def prepare_plan(model: LoadedModel, options: PlanOptions, toolrag: ToolRAGSource | None) -> PreparedPlan:
    """The planner and its request for ``options`` on ``model``; ``toolrag`` None plans without ToolRAG."""
    guided = options.guided if options.guided is not None else model.profile.plan_style == "guided"
    choice, retrieved = await choose(options, guided=guided, toolrag=toolrag)
    return PreparedPlan(planner_for(model), plan_request(options, choice), retrieved)


async def choose(
    options: PlanOptions, *, guided: bool, toolrag: ToolRAGSource | None
) -> tuple[ToolChoice, ToolRAGResult | None]:
    """The prompt's tools and examples, or a guided plan's skeleton; every tool when neither applies."""
    wanted = options.toolrag or guided
    if toolrag is None or not wanted or not options.query or len(options.tools) == 0:
        return ToolChoice(options.tools), None
    rag = await toolrag()
    return await rag.achoose(options.query, options.tools, toolrag=options.toolrag, guided=guided, top_k=options.top_k)


def plan_request(options: PlanOptions, choice: ToolChoice, *, query: str | None = None) -> PlanRequest:
    """``query`` replaces the options' own (a replan asks with the previous rounds appended)."""
    return PlanRequest(
        query=options.query if query is None else query,
        tools=choice.tools,
        now=options.now,
        user_instructions=options.instructions,
        examples=choice.examples,
        use_grammar=options.grammar,
        guide=choice.guide,
        max_tokens=options.max_tokens,
        seed=options.seed,
        temperature=options.temperature,
        grammar_options=options.grammar_options,
        fill=options.fill,
    )


def planner_for(model: LoadedModel, planner: type[Planner] = Planner) -> Planner:
    return planner(model.service, model.formatter, stop=model.stop)
