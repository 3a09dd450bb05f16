"""/v1 routes: thin handlers over the runtime's services."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request

from tinyagent.api.cancellation import cancel_on_disconnect
from tinyagent.api.deps import ModelDep, RuntimeDep
from tinyagent.api.errors import error_responses
from tinyagent.api.openai import protocol as p
from tinyagent.api.openai.convert import to_chat_request
from tinyagent.api.openai.serving_chat import complete_chat, stream_chat
from tinyagent.api.openai.serving_completions import complete_text, completion_params, prompt_text, stream_text
from tinyagent.api.openai.serving_embeddings import embed
from tinyagent.api.sse import openai_stream, primed
from tinyagent.runtime import Runtime

ERRORS = error_responses(400, 401, 403, 404, 413, 415, 503)
STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE chunks when stream=true"}
}

router = APIRouter(prefix="/v1", tags=["openai"], responses=ERRORS)


@router.get("/models")
async def list_models(runtime: RuntimeDep) -> p.ModelList:
    """The served model, then each alias a request may name it by (empty while it loads);
    ``fallback_reason`` says when the embedded model stands in."""
    if runtime.loaded is None:
        return p.ModelList(data=[])
    info = runtime.loaded.service.info
    aliases = sorted(runtime.loaded.aliases - {info.id})
    return p.ModelList(data=[_card(runtime, name) for name in (info.id, *aliases)])


@router.get("/models/{model_id:path}")
async def retrieve_model(model_id: str, model: ModelDep, runtime: RuntimeDep) -> p.ModelCard:
    """The served model by its id or any alias."""
    model.check_name(model_id)
    return _card(runtime, model_id)


def _card(runtime: Runtime, name: str) -> p.ModelCard:
    loaded = runtime.require_model()
    info = loaded.service.info
    return p.ModelCard(
        id=name,
        created=int(time.time()),
        context_length=info.context_length or None,
        source=info.source,
        fallback_reason=info.fallback_reason,
    )


@router.post("/chat/completions", response_model=p.ChatCompletion, responses=STREAM)
async def chat_completions(
    body: p.ChatCompletionRequest, model: ModelDep, runtime: RuntimeDep, request: Request
) -> Any:
    model.check_name(body.model)
    info = model.service.info
    chat_request = to_chat_request(body, context_length=info.context_length, limit=runtime.settings.max_tokens_limit)
    events = model.chat.stream(chat_request)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        first_ready = await cancel_on_disconnect(request, primed(events, until_admitted=True))
        return openai_stream(stream_chat(first_ready, info.id, include_usage=include_usage))
    return await cancel_on_disconnect(request, complete_chat(events, info.id))


@router.post("/completions", response_model=p.Completion, responses=STREAM)
async def completions(body: p.CompletionRequest, model: ModelDep, runtime: RuntimeDep, request: Request) -> Any:
    model.check_name(body.model)
    params = completion_params(body, model.service, runtime.settings.max_tokens_limit)
    prompt = prompt_text(body)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        events = await cancel_on_disconnect(
            request, primed(model.service.generate(prompt, params), until_admitted=True)
        )
        return openai_stream(stream_text(events, model.service.info.id, include_usage=include_usage))
    return await cancel_on_disconnect(request, complete_text(model.service, prompt, params))


@router.post("/embeddings")
async def embeddings(body: p.EmbeddingRequest, runtime: RuntimeDep) -> p.EmbeddingList:
    return await embed(runtime.embedder, body)


extras = APIRouter(prefix="/extras", tags=["extras"], responses=ERRORS)


@extras.post("/tokenize")
async def tokenize(body: p.TokenizeRequest, model: ModelDep) -> p.TokenizeResponse:
    """Token ids of a text for the served model (llama-cpp-python's extension, used by remote backends)."""
    tokens = await model.service.tokenize(body.input)
    return p.TokenizeResponse(tokens=tokens, count=len(tokens))
