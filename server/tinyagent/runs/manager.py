"""The run manager: starts runs in the background, stores and publishes their events, and lets
clients follow, approve, deny and cancel them.

A run outlives the request that started it (a client that disconnects can come back with the last
event id it saw). Handover from stored to live events: a subscriber registers its live queue
*before* reading the store, then skips live events whose seq it already yielded. Emission is
synchronous (store, then publish, with no await in between), so every event is either in the
store at read time or in the queue afterwards -- usually both, never neither.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tinyagent.errors import ModelNotReady, NotFound, ServiceError
from tinyagent.models.loaded import LoadedModel
from tinyagent.planning.prepare import ToolRAGSource
from tinyagent.runs.events import (
    ApprovalRequired,
    ErrorEvent,
    RunEvent,
    RunFinished,
    RunStarted,
    RunStatus,
)
from tinyagent.runs.loop import RunLoop
from tinyagent.runs.request import RunConfig, RunFailed, RunRequest, ToolCaller
from tinyagent.runs.store import RunRow, RunStore, StoreUnavailable, TaskRow

log = logging.getLogger(__name__)

E = TypeVar("E", bound=RunEvent)
# Called with every event after it is stored and published (e.g. Metrics.record_run_event).
EventHook = Callable[[RunEvent], None]


class RunConflict(ServiceError):
    """The run exists but is not in a state that allows this (finished, nothing to approve...)."""

    status_code = 409
    error_type = "invalid_request_error"
    code = "run_state_conflict"


@dataclass(frozen=True)
class RunState:
    run: RunRow
    tasks: list[TaskRow]
    pending_approvals: list[int]


class Run:
    """The live part of one run: sequence counter, subscribers, approvals waiting for a decision."""

    def __init__(self, run_id: str, store: RunStore, on_event: EventHook | None = None) -> None:
        self.id = run_id
        self._on_event = on_event
        self.seq = 0
        self.status: RunStatus = "running"
        self.stop_reason: RunStatus | None = None
        self.subscribers: set[asyncio.Queue[RunEvent]] = set()
        self.approvals: dict[tuple[int, int], asyncio.Future[bool]] = {}
        self.task: asyncio.Task[None] | None = None
        self._store = store

    def emit(self, cls: type[E], **fields: Any) -> E:
        event = cls(run_id=self.id, seq=self.seq + 1, ts=time.time(), **fields)
        self._store.append(event)  # persisted before anyone can see it
        self.seq = event.seq
        for queue in self.subscribers:
            queue.put_nowait(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # metrics and the like must never cost a run
                log.exception("run event hook failed")
        return event

    def publish_only(self, event: RunEvent) -> None:
        """Last resort when the store broke: subscribers still learn that the run ended."""
        for queue in self.subscribers:
            queue.put_nowait(event)

    def set_status(self, status: RunStatus) -> None:
        self.status = status
        self._store.set_status(self.id, status)

    async def approval(self, round: int, task_id: int, timeout: float) -> bool | None:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.approvals[(round, task_id)] = future
        self.set_status("waiting_approval")
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            self.approvals.pop((round, task_id), None)
            if not self.approvals and self.status == "waiting_approval":
                self.set_status("running")

    def decide(self, task_id: int | None, approved: bool) -> int:
        pending = [key for key, future in self.approvals.items() if not future.done()]
        if task_id is not None:
            pending = [key for key in pending if key[1] == task_id]
        if not pending:
            which = f"task {task_id}" if task_id is not None else "any task"
            raise RunConflict(f"Run {self.id} is not waiting for approval of {which}.", param="task_id")
        key = min(pending)  # the earliest waiting task when none is named
        self.approvals[key].set_result(approved)
        return key[1]


class RunManager:
    def __init__(
        self,
        store: RunStore,
        worker: ToolCaller,
        config: RunConfig,
        *,
        model: Callable[[], LoadedModel | None],
        toolrag: ToolRAGSource | None = None,
        on_event: EventHook | None = None,
    ) -> None:
        """``model``: the loaded model, or None while it loads; ``toolrag``: where round one's ToolRAG
        comes from (None: plan with every enabled tool); ``on_event`` sees every stored event once."""
        self.store = store
        self._on_event = on_event
        self.config = config
        self._worker = worker
        self._model = model
        self._toolrag = toolrag
        self._live: dict[str, Run] = {}

    def recover(self) -> list[str]:
        """Mark runs a previous process left in flight as interrupted; never fails the start-up."""
        try:
            ids = self.store.mark_interrupted()
        except StoreUnavailable as exc:
            log.warning("%s; /run will answer 503 until this is fixed", exc.message)
            return []
        if ids:
            log.info("marked %d run(s) left in flight as interrupted", len(ids))
        return ids

    # --- starting and driving -------------------------------------------------------------------------

    def start(self, request: RunRequest) -> str:
        """Start a run in the background; raises before anything starts if it cannot run."""
        model = self._model()
        if request.plan is None and model is None:
            raise ModelNotReady("The model is still loading; a query run needs it. Retry shortly.")
        run_id = f"run-{uuid.uuid4().hex[:24]}"
        self.store.create_run(run_id, request.query, request.plan_text, request.approval)
        run = Run(run_id, self.store, self._on_event)
        # Before the run is live: if the store fails here, the request fails and nothing is left running.
        run.emit(
            RunStarted,
            query=request.query,
            plan=request.plan_text,
            tools=list(request.tools.names),
            approval=request.approval,
        )
        self._live[run_id] = run
        loop = RunLoop(run, request, self.config, self._worker, model, toolrag=self._toolrag)
        run.task = asyncio.create_task(self._drive(run, loop), name=run_id)
        return run_id

    async def _drive(self, run: Run, loop: RunLoop) -> None:
        status: RunStatus = "succeeded"
        answer: str | None = None
        error: tuple[str, str] | None = None
        started = time.perf_counter()
        deadline = asyncio.timeout(self.config.run_timeout_s)
        try:
            async with deadline:
                answer = await loop.execute()
        except TimeoutError:
            status, error = self._timed_out(run, deadline.expired())
        except asyncio.CancelledError:
            status = run.stop_reason or "cancelled"
            reason = "The server stopped during this run." if status == "interrupted" else "The run was cancelled."
            error = (status, reason)
        except RunFailed as exc:
            status, error = "failed", (exc.code, exc.message)
        except ServiceError as exc:
            status, error = "failed", (exc.code or "error", exc.message)
        except Exception:  # a bug: the run fails visibly, the server goes on
            log.exception("run %s failed", run.id)
            status, error = "failed", ("internal_error", "Internal error; see the server log.")
        timings = {**loop.timings, "total_s": time.perf_counter() - started}
        self._close(run, status, answer, error, timings)

    def _timed_out(self, run: Run, expired: bool) -> tuple[RunStatus, tuple[str, str]]:
        if expired:
            limit = self.config.run_timeout_s
            return "timed_out", ("run_timeout", f"The run did not finish within {limit:g} s (run_timeout_s).")
        log.exception("run %s failed", run.id)  # a TimeoutError that is not the deadline: a bug
        return "failed", ("internal_error", "Internal error; see the server log.")

    def _close(
        self, run: Run, status: RunStatus, answer: str | None, error: tuple[str, str] | None, timings: dict[str, float]
    ) -> None:
        message = error[1] if error else None
        try:
            if error is not None:
                run.emit(ErrorEvent, code=error[0], message=error[1])
            run.emit(RunFinished, status=status, answer=answer, error=message, timings=timings)
        except StoreUnavailable as exc:
            log.error("run %s: %s", run.id, exc.message)
            event = RunFinished(run_id=run.id, seq=run.seq + 1, ts=time.time(), status="failed", error=exc.message)
            run.publish_only(event)
        finally:
            run.status = status
            self._live.pop(run.id, None)

    # --- following --------------------------------------------------------------------------------------

    def require(self, run_id: str) -> RunRow:
        row = self.store.get(run_id)
        if row is None:
            raise NotFound(f"No run with id {run_id!r}.", param="run_id", code="run_not_found")
        return row

    async def subscribe(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        """Stored events after ``after``, then live ones, until run_finished: no gap, no duplicate."""
        run = self._live.get(run_id)
        queue: asyncio.Queue[RunEvent] = asyncio.Queue()
        if run is not None:
            run.subscribers.add(queue)  # before reading the store: see the module docstring
        try:
            last = after
            for event in self.store.events(run_id, after):
                yield event
                last = event.seq
                if isinstance(event, RunFinished):
                    return
            if run is None:
                return
            while True:
                event = await queue.get()
                if event.seq <= last:
                    continue
                yield event
                last = event.seq
                if isinstance(event, RunFinished):
                    return
        finally:
            if run is not None:
                run.subscribers.discard(queue)

    async def settle(self, run_id: str, timeout: float) -> None:
        """Return when the run has finished or waits for approval, or after ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                async for event in self.subscribe(run_id):
                    if isinstance(event, RunFinished):
                        return
                    if isinstance(event, ApprovalRequired) and self.status(run_id) == "waiting_approval":
                        return
        except TimeoutError:
            return

    def status(self, run_id: str) -> str:
        run = self._live.get(run_id)
        return run.status if run is not None else self.require(run_id).status

    def state(self, run_id: str) -> RunState:
        row = self.require(run_id)
        run = self._live.get(run_id)
        pending = sorted(key[1] for key in run.approvals) if run is not None else []
        return RunState(row, self.store.tasks(run_id), pending)

    def recent(self, limit: int = 50) -> list[RunRow]:
        return self.store.recent(limit)

    # --- controlling ------------------------------------------------------------------------------------

    def _live_run(self, run_id: str) -> Run:
        run = self._live.get(run_id)
        if run is None:
            row = self.require(run_id)
            raise RunConflict(f"Run {run_id} has already finished ({row.status}).", param="run_id")
        return run

    async def cancel(self, run_id: str) -> RunState:
        run = self._live_run(run_id)
        run.stop_reason = "cancelled"
        if run.task is not None:
            run.task.cancel()
            await asyncio.wait({run.task})
        return self.state(run_id)

    def decide(self, run_id: str, task_id: int | None, *, approved: bool) -> int:
        return self._live_run(run_id).decide(task_id, approved)

    async def aclose(self) -> None:
        """Stop every live run (recorded as interrupted: the server is going away, not the user)."""
        runs = list(self._live.values())
        for run in runs:
            run.stop_reason = "interrupted"
            if run.task is not None:
                run.task.cancel()
        tasks = [run.task for run in runs if run.task is not None]
        if tasks:
            await asyncio.wait(tasks)
        self.store.close()
