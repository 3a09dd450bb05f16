"""Wire models of the Responses API (``/v1/responses``), the subset a local text model can honour.

Requests accept unknown fields (the SDKs send ``include``, ``reasoning``, ``truncation`` and more);
what cannot be honoured (image or file input) is refused with a 400 naming it. Tools other than
functions are accepted and not offered to the model (``OtherTool``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from tinyagent.api.wire import INTEGRAL, Int, WireModel, refused_unless, refused_value, text_only


class _Request(WireModel):
    model_config = ConfigDict(extra="allow")


# --- input items ------------------------------------------------------------------------------------


class InputText(_Request):
    type: Literal["input_text", "output_text"]
    text: str


# Text only: image, file, audio and refusal parts are refused (400 naming the part's type).
InputContent = str | list[Annotated[InputText, text_only("input_text", "output_text")]]


class MessageItem(_Request):
    type: Literal["message"] = "message"
    role: Literal["user", "system", "developer", "assistant"]
    content: InputContent
    id: str | None = None


class FunctionCallItem(_Request):
    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str = Field(description="JSON text of the arguments object.")
    id: str | None = None
    status: Literal["in_progress", "completed", "incomplete"] | None = None


class FunctionCallOutputItem(_Request):
    type: Literal["function_call_output"]
    call_id: str
    output: InputContent
    id: str | None = None


def _item_kind(value: Any) -> str:
    # An easy input message ({"role", "content"}) has no "type". Any other kind (reasoning, item_reference,
    # built-in tool calls) is refused with its name in the error.
    kind = value.get("type", "message") if isinstance(value, dict) else getattr(value, "type", "message")
    return kind if isinstance(kind, str) else "message"


InputItem = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")],
    Discriminator(_item_kind),
]


# --- tools, formats ---------------------------------------------------------------------------------


class FunctionTool(_Request):
    type: Literal["function"]
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class OtherTool(_Request):
    """A tool this server does not run: a hosted one (``web_search``, ``file_search``, ...), a ``custom``
    or a ``namespace`` tool. Accepted and not offered to the model, as vLLM and other Responses gateways
    do: Codex sends ``web_search`` with every request, so refusing it refused every Codex turn."""

    type: str = Field(pattern=r"^[a-z_]+$", json_schema_extra={"not": {"const": "function"}})


def _tool_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "function" if kind == "function" else "other"


AnyTool = Annotated[
    Annotated[FunctionTool, Tag("function")] | Annotated[OtherTool, Tag("other")], Discriminator(_tool_kind)
]


def function_tools(tools: list[FunctionTool | OtherTool] | None) -> list[FunctionTool]:
    """The tools the model is offered: the functions."""
    return [t for t in tools or () if isinstance(t, FunctionTool)]


class NamedFunction(WireModel):
    type: Literal["function"]
    name: str


class TextFormatText(WireModel):
    type: Literal["text"]


class TextFormatJsonObject(WireModel):
    type: Literal["json_object"]


class TextFormatJsonSchema(WireModel):
    type: Literal["json_schema"]
    name: str
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None = None
    strict: bool | None = None


class TextConfig(_Request):
    format: Annotated[TextFormatText | TextFormatJsonObject | TextFormatJsonSchema, Field(discriminator="type")] = (
        Field(default_factory=lambda: TextFormatText(type="text"))
    )


ToolChoice = Literal["none", "auto", "required"] | NamedFunction


LOGPROBS = "message.output_text.logprobs"
WHY_LOGPROBS = "log-probabilities are not supported by this server"


class ResponseRequest(_Request):
    model: str | None = Field(None, description="Model id; any served id or alias (default: the served model).")
    input: str | Annotated[list[InputItem], Field(min_length=1)] = Field(
        description="A user message as text, or a non-empty list of input items."
    )
    instructions: str | None = Field(None, description="A system message for this response only.")
    tools: list[AnyTool] | None = Field(
        None,
        description="Function tools are offered to the model; other kinds (hosted, custom, namespace) "
        "are accepted and ignored.",
    )
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    text: TextConfig | None = None
    max_output_tokens: Annotated[int, Field(ge=1), INTEGRAL] | None = Field(None)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    metadata: dict[str, str] | None = Field(None, max_length=16)
    store: bool = Field(True, description="Keep the response for retrieval and previous_response_id.")
    previous_response_id: str | None = Field(None, description="Continue from this stored response.")
    stream: bool = False
    seed: Int | None = Field(None, description="Sampling seed (an extension).")
    top_logprobs: Annotated[Literal[0] | None, refused_unless(0, None, why=WHY_LOGPROBS)] = Field(
        None, description="Not supported (no log-probabilities here): only 0 or null, so asking for them is a 400."
    )
    include: (
        list[
            Annotated[str, Field(json_schema_extra={"not": {"const": LOGPROBS}}), refused_value(LOGPROBS, WHY_LOGPROBS)]
        ]
        | None
    ) = Field(
        None,
        description="Accepted and ignored, except message.output_text.logprobs, which is refused: this server "
        "computes no log-probabilities.",
    )


# --- output -----------------------------------------------------------------------------------------


class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Any] = Field(default_factory=list)
    logprobs: list[Any] = Field(default_factory=list)


class OutputMessage(BaseModel):
    type: Literal["message"] = "message"
    id: str
    status: Literal["in_progress", "completed", "incomplete"]
    role: Literal["assistant"] = "assistant"
    content: list[OutputText]


class OutputFunctionCall(BaseModel):
    type: Literal["function_call"] = "function_call"
    id: str
    call_id: str
    name: str
    arguments: str
    status: Literal["in_progress", "completed", "incomplete"]


OutputItem = Annotated[OutputMessage | OutputFunctionCall, Field(discriminator="type")]


class InputTokensDetails(BaseModel):
    cached_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class ResponseUsage(BaseModel):
    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)
    total_tokens: int


class ResponseError(BaseModel):
    code: str
    message: str


class IncompleteDetails(BaseModel):
    reason: Literal["max_output_tokens"]


class Response(BaseModel):
    id: str
    object: Literal["response"] = "response"
    created_at: int
    completed_at: int | None = None
    status: Literal["in_progress", "completed", "incomplete", "failed"]
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    model: str
    instructions: str | None = None
    output: list[OutputItem] = Field(default_factory=list)
    tools: list[FunctionTool] = Field(default_factory=list)
    tool_choice: ToolChoice = "auto"
    parallel_tool_calls: bool = True
    text: TextConfig = Field(default_factory=TextConfig)
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    previous_response_id: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    store: bool = True
    truncation: Literal["disabled"] = "disabled"
    usage: ResponseUsage | None = None


class DeletedResponse(BaseModel):
    id: str
    object: Literal["response"] = "response"
    deleted: bool = True


class StoredItem(BaseModel):
    """An input or output item as stored: any item's JSON with its ``id``."""

    model_config = ConfigDict(extra="allow")
    id: str
    type: str


class InputItemList(BaseModel):
    object: Literal["list"] = "list"
    data: list[StoredItem]
    first_id: str | None
    last_id: str | None
    has_more: bool
