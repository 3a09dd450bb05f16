"""Wire models of the Responses API (``/v1/responses``), the subset a local text model can honour.

Requests accept unknown fields (the SDKs send ``include``, ``reasoning``, ``truncation`` and more);
what cannot be honoured (non-function tools, image or file input) is refused with a 400 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag


class _Request(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- input items ------------------------------------------------------------------------------------


class InputText(_Request):
    type: Literal["input_text", "output_text"]
    text: str


class InputOther(_Request):
    """Images, files, audio and refusals: parsed so the error can name them, then refused."""

    type: Literal["input_image", "input_file", "input_audio", "refusal"]


InputContent = str | list[Annotated[InputText | InputOther, Field(discriminator="type")]]


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
    output: str | list[Annotated[InputText | InputOther, Field(discriminator="type")]]
    id: str | None = None


class OtherItem(_Request):
    """Any other item kind (reasoning, item_reference, built-in tool calls, bare content parts): parsed so
    the error can name it, then refused."""

    type: str


def _item_kind(value: Any) -> str:
    # An easy input message ({"role", "content"}) has no "type".
    kind = value.get("type", "message") if isinstance(value, dict) else getattr(value, "type", "message")
    return kind if kind in ("message", "function_call", "function_call_output") else "other"


InputItem = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")]
    | Annotated[OtherItem, Tag("other")],
    Discriminator(_item_kind),
]


# --- tools, formats ---------------------------------------------------------------------------------


class FunctionTool(_Request):
    type: Literal["function"]
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class NamedFunction(BaseModel):
    type: Literal["function"]
    name: str


class TextFormatText(BaseModel):
    type: Literal["text"]


class TextFormatJsonObject(BaseModel):
    type: Literal["json_object"]


class TextFormatJsonSchema(BaseModel):
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


class ResponseRequest(_Request):
    model: str | None = Field(None, description="Model id; any served id or alias (default: the served model).")
    input: str | list[InputItem] = Field(description="A user message as text, or a list of input items.")
    instructions: str | None = Field(None, description="A system message for this response only.")
    tools: list[FunctionTool] | None = Field(None, description="Function tools only.")
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    text: TextConfig | None = None
    max_output_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    metadata: dict[str, str] | None = Field(None, max_length=16)
    store: bool = Field(True, description="Keep the response for retrieval and previous_response_id.")
    previous_response_id: str | None = Field(None, description="Continue from this stored response.")
    stream: bool = False
    seed: int | None = Field(None, description="Sampling seed (an extension).")
    top_logprobs: int | None = Field(None, ge=0, le=20, description="Not supported: a value above 0 is refused.")
    include: list[str] | None = Field(
        None, description="Accepted and ignored, except message.output_text.logprobs, which is refused."
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
