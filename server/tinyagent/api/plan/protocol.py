"""Wire models for the agent routes (/plan, /tools).

Unlike the OpenAI routes, unknown request fields are refused: this API is ours, and a misspelt
``tool`` silently planning with every tool would be worse than a 400 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tinyagent.api.wire import INTEGRAL, Int, NotBlank, OneOf


class PlanBody(OneOf):
    model_config = ConfigDict(extra="forbid")
    ONE_OF = ("query", "plan")
    ONE_OF_MESSAGE = "Give 'query' (to plan) or 'plan' (to validate a plan text)."

    query: NotBlank | None = Field(
        None,
        description="The user's request to plan. Required unless 'plan' is given; then it is context only.",
    )
    plan: str | None = Field(
        None,
        description=(
            "A ready plan text (TinyAgent/LLMCompiler syntax) to parse and validate without the model, "
            "e.g. a plan a client edited."
        ),
    )
    tools: list[str] | None = Field(
        None, description="Subset of the enabled tool names to plan with ([] = none: a join-only plan)."
    )
    apps: list[str] | None = Field(None, description="Enabled apps whose tools to plan with (union with 'tools').")
    timezone: str | None = Field(
        None,
        description="IANA time zone of the user (e.g. 'Europe/Paris'); default: the server's local zone.",
    )
    instructions: str | None = Field(
        None, description="Custom instructions, added to the prompt after the server's own ones."
    )
    grammar: bool | None = Field(
        None,
        description="Constrain sampling to well-formed plans (default: the server's plan_grammar setting).",
    )
    toolrag: bool | None = Field(
        None,
        description="Let ToolRAG pick the tools and in-context examples for this query (default: the toolrag setting).",
    )
    guided: bool | None = Field(
        None,
        description="Fill a plan skeleton chosen from the example bank instead of writing the whole plan "
        "(default: on for models whose profile plans that way: the small embedded ones).",
    )
    stream: bool = Field(False, description="Stream 'task' events as lines complete, then one 'plan' event (SSE).")
    max_tokens: Annotated[int, Field(ge=1), INTEGRAL] | None = Field(
        None, description="Bound on generated tokens (default: the plan's size)."
    )
    seed: Int | None = Field(None, description="Sample with this seed instead of greedily.")
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature (default 0, greedy).")
    model: str | None = Field(None, description="If given, must name the served model.")


ArgJson = Any  # str | int | bool | None | list[ArgJson]: JSON of a plan argument


class PlanTask(BaseModel):
    id: int
    tool: str
    args: list[ArgJson]
    depends_on: list[int]
    thought: str | None = None


class PlanErrorOut(BaseModel):
    line: int = Field(description="1-based line of the plan text; 0 for whole-plan problems.")
    text: str
    code: str
    message: str
    severity: Literal["error", "warning"]


class PlanUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ToolRAGChoice(BaseModel):
    tools: list[str] = Field(description="The tools ToolRAG kept for the prompt.")
    examples: list[str] = Field(description="Queries of the in-context examples it retrieved.")
    skeleton: list[str] | None = Field(
        None,
        description="Guided plans: the tools of the plan skeleton the model filled, in order "
        "(before its lookups are added).",
    )


class PlanResponse(BaseModel):
    plan_id: str
    object: Literal["plan"] = "plan"
    query: str | None
    tasks: list[PlanTask] = Field(
        description="Tasks in plan order (for an invalid plan: those accepted before the first error)."
    )
    raw: str = Field(description="The plan text as generated or given.")
    model: str | None = Field(description="The model that wrote the plan; null for a given plan.")
    usage: PlanUsage | None
    timings: dict[str, float]
    errors: list[PlanErrorOut] = Field(description="Errors (the plan must not run) and warnings (it may).")
    valid: bool = Field(description="True when the plan has no errors and can run.")
    toolrag: ToolRAGChoice | None = Field(None, description="What ToolRAG chose; null when it was not used.")


class ToolOut(BaseModel):
    name: str
    app: str
    description: str = Field(description="The tool's description as the planner prompt shows it.")
    parameters: dict[str, Any] = Field(description="JSON schema of the positional arguments, by name.")
    side_effects: bool
    effect: Literal["none", "opens_app", "writes"]
    source: str = Field(description="'builtin', or 'mcp:<server>' for a tool an MCP server provides.")
    destructive: bool = Field(
        description="May destroy or overwrite something: MCP's destructiveHint (unknown counts as true for a tool "
        "that is not read-only); for built-in tools, the tools that write."
    )


class McpServerOut(BaseModel):
    name: str
    transport: Literal["stdio", "http"]
    state: Literal["starting", "ready", "failed", "stopped"]
    error: str | None = Field(description="Why it failed to start, when it did.")
    tools: int = Field(description="Tools it contributes.")
    examples: int = Field(description="Examples from its examples file that joined the ToolRAG bank.")
    examples_error: str | None = Field(description="Why its examples (or a tool) were not taken, when they were not.")
    restarts: int = Field(description="Times it was connected again after its connection broke.")


class ToolList(BaseModel):
    object: Literal["list"] = "list"
    apps: list[str]
    data: list[ToolOut]
    mcp_servers: list[McpServerOut] = Field(description="The MCP servers of --mcp-config and their state.")
