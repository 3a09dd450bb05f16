"""/health: 503 while the model loads or after it failed, 200 with the model's name when ready."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tinyagent.api.deps import RuntimeDep
from tinyagent.api.errors import error_body
from tinyagent.inference.service import ModelService
from tinyagent.inference.types import EngineBuild

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"description": "Model loading or failed"}})
async def health(runtime: RuntimeDep) -> JSONResponse:
    body: dict[str, Any] = {"status": runtime.status}
    if servers := runtime.mcp.status():  # reported while the model loads too: a failed server is news then
        body["mcp_servers"] = servers
    if runtime.loaded is None:
        message = runtime.error or "The model is loading."
        body |= error_body(message, "server_error", None, "model_" + runtime.status)
        return JSONResponse(body, status_code=503, headers={"retry-after": "1"})
    info = runtime.loaded.service.info
    body |= {
        "model": info.id,
        "source": info.source,
        "context_length": info.context_length or None,  # None: a remote server that does not say
        "fallback": info.fallback_reason is not None,
        "fallback_reason": info.fallback_reason,
        "engine": "remote" if runtime.settings.llm_base_url else runtime.settings.engine,
        "queue": _queue(runtime.loaded.service),
    }
    if info.engine is not None:  # the local llama.cpp's CPU build; a remote backend reports none
        body["llama_cpp"] = _engine(info.engine)
    if info.dialect is not None and runtime.settings.llm_base_url:  # not the llama-server we started
        body["remote"] = {"url": info.source, "dialect": info.dialect, "grammar": info.grammar}
    return JSONResponse(body)


def _queue(service: ModelService) -> dict[str, Any]:
    return {"busy": service.busy, "active": service.active, "slots": service.slots, "waiting": service.waiting}


def _engine(engine: EngineBuild) -> dict[str, Any]:
    return {
        "version": engine.version,
        "baseline": engine.baseline,
        "portable": engine.portable,
        "features": list(engine.features),
        "problems": list(engine.problems),
        "system_info": engine.system_info,
    }
