"""POST /toolrag: which tools and examples ToolRAG picks for a query (debugging, and for clients)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tinyagent.api.deps import RuntimeDep
from tinyagent.api.errors import error_responses
from tinyagent.api.wire import INTEGRAL, WireModel
from tinyagent.plans.skeleton import PlanGuide
from tinyagent.runtime import Runtime

router = APIRouter(tags=["agent"], responses=error_responses(400, 401, 403, 413, 415, 503))


class ToolRAGRequest(WireModel):
    query: str = Field(min_length=1, max_length=4000)
    tools: list[str] | None = Field(None, description="Narrow the candidate tools to these names.")
    apps: list[str] | None = Field(None, description="Narrow the candidate tools to these apps.")
    top_k: Annotated[int, Field(ge=0, le=32), INTEGRAL] | None = Field(
        None, description="Examples to retrieve (default: the setting)."
    )
    guided: bool | None = Field(
        None,
        description="Also report the skeleton a guided plan would fill (default: when the served model plans "
        "guided, as the small embedded ones do).",
    )


class ScoredToolOut(BaseModel):
    name: str
    score: float


class ExampleOut(BaseModel):
    query: str
    plan: str
    similarity: float


class ShotOut(BaseModel):
    query: str
    plan: str


class GuideOut(BaseModel):
    skeleton: list[str] = Field(description="The tools of the plan skeleton, in order (before lookups are added).")
    shots: list[ShotOut] = Field(description="The bank's plans of that skeleton shown to the model, nearest first.")
    score: float


class ToolRAGResponse(BaseModel):
    tools: list[ScoredToolOut]
    examples: list[ExampleOut]
    guide: GuideOut | None = Field(
        None,
        description="The skeleton guided planning would fill; null when not asked for, or when the request "
        "would be planned from the tools' signatures (no skeleton of the bank fits).",
    )
    fallback: bool = Field(description="True when no tool passed the threshold and every enabled tool was kept.")
    timings: dict[str, float] = Field(description="Milliseconds per stage.")


@router.post("/toolrag")
async def toolrag(body: ToolRAGRequest, runtime: RuntimeDep) -> ToolRAGResponse:
    enabled = runtime.tools().select(apps=body.apps, tools=body.tools)
    rag = await runtime.toolrag()
    top_k = runtime.settings.toolrag_top_k if body.top_k is None else body.top_k
    result = await rag.aretrieve(body.query, enabled, top_k=top_k)
    examples: list[dict[str, Any]] = [{"query": q, "plan": p, "similarity": s} for q, p, s in result.examples]
    guide = await rag.aguided_skeleton(body.query, enabled) if _guided(body, runtime) else None
    return ToolRAGResponse(
        tools=[ScoredToolOut(name=n, score=round(s, 4)) for n, s in result.tools],
        examples=[ExampleOut(**e) for e in examples],
        guide=_guide_out(guide) if guide is not None else None,
        fallback=result.fallback,
        timings={k: round(v, 3) for k, v in result.timings.items()},
    )


def _guided(body: ToolRAGRequest, runtime: Runtime) -> bool:
    if body.guided is not None:
        return body.guided
    return runtime.loaded is not None and runtime.loaded.profile.plan_style == "guided"


def _guide_out(guide: PlanGuide) -> GuideOut:
    return GuideOut(
        skeleton=[line.tool for line in guide.skeleton.lines],
        shots=[ShotOut(query=q, plan=p) for q, p in guide.shots],
        score=round(guide.score, 4),
    )
