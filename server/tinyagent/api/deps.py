"""Dependency aliases: routers get the runtime's parts from app.state, never from globals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tinyagent.models.loaded import LoadedModel
from tinyagent.runtime import Runtime


# async: FastAPI runs a plain ``def`` dependency in its thread pool, two thread hops on every request.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_loaded_model(request: Request) -> LoadedModel:
    return (await get_runtime(request)).require_model()


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ModelDep = Annotated[LoadedModel, Depends(get_loaded_model)]
