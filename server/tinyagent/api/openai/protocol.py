"""Wire models for the OpenAI-compatible API (requests validated, responses documented in OpenAPI).

Unknown request fields are accepted and ignored, as the official client
sends optional fields only when set and other clients send extras.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tinyagent.api.wire import INTEGRAL, Int, WireModel, refused_unless, text_only


class _Request(WireModel):
    model_config = ConfigDict(extra="allow")


# --- messages ------------------------------------------------------------------


class TextPart(WireModel):
    type: Literal["text"]
    text: str


# Text only: the served models read text, so image, audio, file and refusal parts are refused (400 naming
# the part's type) rather than silently dropped.
Content = str | list[Annotated[TextPart, text_only("text")]]


class FunctionCall(WireModel):
    name: str
    arguments: str = Field(description="JSON text of the arguments object.")


class ToolCallOut(WireModel):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class SystemMessage(_Request):
    role: Literal["system", "developer"]
    content: Content
    name: str | None = None


class UserMessage(_Request):
    role: Literal["user"]
    content: Content
    name: str | None = None


class AssistantMessage(_Request):
    role: Literal["assistant"]
    content: Content | None = None
    tool_calls: list[ToolCallOut] | None = None
    name: str | None = None


class ToolMessage(_Request):
    role: Literal["tool"]
    content: Content
    tool_call_id: str


Message = Annotated[SystemMessage | UserMessage | AssistantMessage | ToolMessage, Field(discriminator="role")]


# --- tools and formats -----------------------------------------------------------


class FunctionDef(WireModel):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


class ToolDef(WireModel):
    type: Literal["function"]
    function: FunctionDef


class NamedFunction(WireModel):
    name: str


class NamedToolChoice(WireModel):
    type: Literal["function"]
    function: NamedFunction


class TextFormat(WireModel):
    type: Literal["text"]


class JsonObjectFormat(WireModel):
    type: Literal["json_object"]


class JsonSchemaSpec(WireModel):
    name: str
    description: str | None = None
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema")
    strict: bool | None = None


class JsonSchemaFormat(WireModel):
    type: Literal["json_schema"]
    json_schema: JsonSchemaSpec


ResponseFormat = Annotated[TextFormat | JsonObjectFormat | JsonSchemaFormat, Field(discriminator="type")]


class StreamOptions(WireModel):
    include_usage: bool = False


NonEmpty = Annotated[str, Field(min_length=1)]
Stop = NonEmpty | Annotated[list[NonEmpty], Field(max_length=4)] | None


class _Sampling(_Request):
    model: str | None = Field(None, description="Model id; any served id or alias (default: the served model).")
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    seed: Int | None = None
    stop: Stop = None
    max_tokens: Annotated[int, Field(ge=1), INTEGRAL] | None = Field(None)
    n: Annotated[int, Field(ge=1, le=1), INTEGRAL] = Field(1, description="Only one choice per request is supported.")


_NO_LOGPROBS = (
    "Not supported (log-probabilities are not computed here): only the values that ask for none are taken, "
    "so a client that needs them gets a 400 rather than an answer without them."
)
_WHY_LOGPROBS = "log-probabilities are not supported by this server"


class ChatCompletionRequest(_Sampling):
    messages: list[Message] = Field(min_length=1)
    logprobs: Annotated[Literal[False] | None, refused_unless(False, None, why=_WHY_LOGPROBS)] = Field(
        None, description=_NO_LOGPROBS
    )
    top_logprobs: Annotated[Literal[0] | None, refused_unless(0, None, why=_WHY_LOGPROBS)] = Field(
        None, description=_NO_LOGPROBS
    )
    max_completion_tokens: Annotated[int, Field(ge=1), INTEGRAL] | None = Field(None)
    response_format: ResponseFormat | None = None
    tools: list[ToolDef] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None


class CompletionRequest(_Sampling):
    prompt: NonEmpty | Annotated[list[NonEmpty], Field(min_length=1, max_length=1)] = Field(
        description="One non-empty prompt (OpenAI also takes several, and token arrays; this server one text)."
    )
    logprobs: Annotated[None, refused_unless(None, why=_WHY_LOGPROBS, asks=(int,))] = Field(
        None, description=_NO_LOGPROBS
    )
    echo: Annotated[Literal[False], refused_unless(False, why="echo is not supported")] = Field(
        False, description="Not supported: the prompt is never echoed."
    )
    grammar: str | None = Field(None, description="GBNF grammar constraining the output (llama.cpp extension).")


class EmbeddingRequest(_Request):
    input: NonEmpty | Annotated[list[NonEmpty], Field(min_length=1, max_length=2048)] = Field(
        description="Non-empty texts (as OpenAI requires); token arrays are not taken."
    )
    model: str | None = None
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: Annotated[int, Field(ge=1), INTEGRAL] | None = Field(None)


class TokenizeRequest(_Request):
    input: str


# --- responses -----------------------------------------------------------------


class PromptTokensDetails(BaseModel):
    cached_tokens: int = 0


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails | None = None


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    refusal: str | None = None
    tool_calls: list[ToolCallOut] | None = None


FinishReasonOut = Literal["stop", "length", "tool_calls"]


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: FinishReasonOut
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: UsageOut
    system_fingerprint: str | None = None


class FunctionDelta(BaseModel):
    name: str | None = None
    arguments: str | None = None


class ToolCallDeltaOut(BaseModel):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: FunctionDelta


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[ToolCallDeltaOut] | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: ChunkDelta
    finish_reason: FinishReasonOut | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` event of a streamed chat completion."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: UsageOut | None = None


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: Literal["stop", "length"] | None
    logprobs: None = None


class Completion(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: UsageOut | None = None


class EmbeddingData(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class EmbeddingUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[EmbeddingData]
    model: str
    usage: EmbeddingUsage


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "tinyagent"
    context_length: int | None = None
    source: str | None = None
    fallback_reason: str | None = Field(
        None,
        description="Set when the requested model could not be had and the embedded one is served instead.",
    )


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class TokenizeResponse(BaseModel):
    tokens: list[int]
    count: int
