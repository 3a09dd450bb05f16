"""/v1/responses: create (JSON or SSE), retrieve (or replay its stream), input items, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from tinyagent.api.cancellation import cancel_on_disconnect
from tinyagent.api.deps import ModelDep, RuntimeDep
from tinyagent.api.errors import error_responses
from tinyagent.api.responses import convert
from tinyagent.api.responses import protocol as p
from tinyagent.api.responses.serving import Event, ResponseWriter, new_response, written
from tinyagent.api.responses.store import ResponseStore, StoredResponse
from tinyagent.api.sse import NamedEvent, named_event_stream, primed
from tinyagent.errors import NotFound

ERRORS = error_responses(400, 401, 403, 404, 413, 415, 503)
STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "The response, or its events when stream=true"}
}

router = APIRouter(prefix="/v1", tags=["openai"], responses=ERRORS)


def get_store(request: Request) -> ResponseStore:
    store: ResponseStore = request.app.state.responses
    return store


StoreDep = Annotated[ResponseStore, Depends(get_store)]


def _stored(store: ResponseStore, response_id: str) -> StoredResponse:
    stored = store.get(response_id)
    if stored is None:
        raise NotFound(f"No stored response with id '{response_id}'.", param="response_id", code="response_not_found")
    return stored


def _frames(events: AsyncIterator[Event]) -> AsyncIterator[NamedEvent]:
    async def frames() -> AsyncIterator[NamedEvent]:
        async for event in events:
            yield NamedEvent(event["type"], event)

    return frames()


@router.post("/responses", response_model=p.Response, responses=STREAM)
async def create_response(
    body: p.ResponseRequest, model: ModelDep, runtime: RuntimeDep, store: StoreDep, request: Request
) -> Any:
    """A model response to ``input``, continuing ``previous_response_id`` when given."""
    model.check_name(body.model)
    history = _stored(store, body.previous_response_id).conversation() if body.previous_response_id else []
    items = convert.input_items(body)
    info = model.service.info
    chat = convert.chat_request(
        body, [*history, *items], context_length=info.context_length, limit=runtime.settings.max_tokens_limit
    )
    writer = ResponseWriter(new_response(body, info.id))
    events = written(writer, model.chat.stream(chat), store if body.store else None, [*history, *items], items)
    if body.stream:
        return named_event_stream(_frames(await cancel_on_disconnect(request, primed(events))))
    return await cancel_on_disconnect(request, _last_response(events))


async def _last_response(events: AsyncIterator[Event]) -> p.Response:
    last: Event = {}
    async for event in events:
        last = event
    return p.Response.model_validate(last["response"])


@router.get("/responses/{response_id}", response_model=p.Response, responses=STREAM)
async def retrieve_response(
    response_id: str,
    store: StoreDep,
    stream: bool = False,
    starting_after: Annotated[int | None, Query(ge=-1, description="Replay events after this sequence number.")] = None,
) -> Any:
    """A stored response; with ``stream=true`` its events replayed, after ``starting_after`` if given."""
    stored = _stored(store, response_id)
    if not stream:
        return p.Response.model_validate(stored.response)
    after = -1 if starting_after is None else starting_after

    async def replay() -> AsyncIterator[Event]:
        for event in stored.events:
            if event["sequence_number"] > after:
                yield event

    return named_event_stream(_frames(replay()))


@router.get("/responses/{response_id}/input_items")
async def list_input_items(
    response_id: str,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    order: Literal["asc", "desc"] = "desc",
    after: str | None = None,
) -> p.InputItemList:
    """The items given as input to a stored response (newest first unless ``order=asc``)."""
    items = list(_stored(store, response_id).input_items)
    if order == "desc":
        items.reverse()
    if after is not None:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    data = [p.StoredItem.model_validate(item) for item in page]
    return p.InputItemList(
        data=data,
        first_id=page[0]["id"] if page else None,
        last_id=page[-1]["id"] if page else None,
        has_more=len(items) > limit,
    )


@router.delete("/responses/{response_id}")
async def delete_response(response_id: str, store: StoreDep) -> p.DeletedResponse:
    if not store.delete(response_id):
        raise NotFound(f"No stored response with id '{response_id}'.", param="response_id", code="response_not_found")
    return p.DeletedResponse(id=response_id)
