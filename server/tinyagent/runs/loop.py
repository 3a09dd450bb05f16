"""One run, start to answer: plan (or a given plan) -> execute while planning -> join -> maybe replan.

The loop owns no storage or transport: it reports through ``RunContext.emit`` (which stores, then
publishes) and asks ``RunContext`` for approvals. Failures it cannot turn into observations raise
``RunFailed``; cancellation and the run deadline arrive as asyncio cancellation from outside.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from tinyagent.errors import ContextLengthExceeded, ServiceError
from tinyagent.models.loaded import LoadedModel
from tinyagent.planning.planner import PlanFinished, Planner, PlanRequest, PlanToken, TaskParsed
from tinyagent.planning.prepare import PreparedPlan, ToolRAGSource, plan_request, planner_for, prepare_plan
from tinyagent.plans.plan import ArgValue, Task
from tinyagent.plans.prompts import build_system_prompt, replan_example_value
from tinyagent.runs.answers import done_answer, round_failed, rules_decision, unrepeated
from tinyagent.runs.events import (
    AnswerEvent,
    AnswerToken,
    ApprovalRequired,
    PlanTokenEvent,
    ReplanEvent,
    RunEvent,
    TaskCreated,
    TaskFinished,
    TaskStarted,
    ThoughtEvent,
)
from tinyagent.runs.executor import Executor, TaskResult, TaskState, args_json
from tinyagent.runs.joiner import (
    SUMMARY,
    JoinAnswerDelta,
    JoinDecision,
    Joiner,
    JoinThought,
    RoundRecord,
    replan_context,
    scratchpad,
)
from tinyagent.runs.request import RunConfig, RunFailed, RunRequest, ToolCaller
from tinyagent.runs.summarize import summarize_text
from tinyagent.runs.writes import WriteLedger, blocked, from_example, write_key
from tinyagent.toolrag.select import ToolChoice
from tinyagent.tools.registry import BUILTIN, ToolSpec
from tinyagent.workers.protocol import ToolContext, ToolOutcome

log = logging.getLogger(__name__)

E = TypeVar("E", bound=RunEvent)
# Codes whose message tells the model how to fix its call (upstream's "try again" wording).
FIXABLE = frozenset({"invalid_argument", "unknown_tool"})


class RunContext(Protocol):
    """What the loop needs from its run: event emission and approval decisions."""

    def emit(self, cls: type[E], **fields: Any) -> E: ...

    async def approval(self, round: int, task_id: int, timeout: float) -> bool | None:
        """True/False once decided, None if nobody decided within ``timeout``."""
        ...


class ReplanPlanner(Planner):
    """The planner with upstream's replan system prompt (replan bullets and examples)."""

    def system_prompt(self, req: PlanRequest) -> str:
        return build_system_prompt(req.tools, req.now, user_instructions=req.user_instructions, replan=True)


def error_observation(outcome: ToolOutcome) -> str:
    message = (outcome.error_message or outcome.error_code or "failed").rstrip("!.")
    if outcome.error_code in FIXABLE:
        return f"Error: {message}! You MUST correct this error and try again!"
    return f"Error: {message}"


def plan_error_observation(text: str, message: str) -> str:
    """Upstream's synthetic join() observation when plan generation stopped on an error."""
    return (
        f"The plan generation was stopped due to an error in tool '{text.strip()}'! Error: {message}! "
        "You MUST correct this error and try again!"
    )


class RunLoop:
    def __init__(
        self,
        run: RunContext,
        request: RunRequest,
        config: RunConfig,
        tools: ToolCaller,
        model: LoadedModel | None,
        *,
        toolrag: ToolRAGSource | None = None,
    ) -> None:
        self.run, self.req, self.config, self.worker, self.model = run, request, config, tools, model
        self.toolrag = toolrag
        self.options = request.plan_options(config)
        self.rounds: list[RoundRecord] = []
        self.summary: str | None = None
        self.task_count = 0
        self.timings: dict[str, float] = {}
        # No write is run twice, none whose outcome is unknown again, none a replan adds (runs/writes.py).
        self.writes = WriteLedger(request.query or "")
        self.said = request.query or ""  # and, in a replan, what the earlier rounds showed the planner

    async def execute(self) -> str:
        """The answer; raises RunFailed for a run that cannot produce one."""
        rounds = 1 if self.req.plan is not None else 1 + self.config.max_replans
        for number in range(1, rounds + 1):
            record = await self._round(number)
            self.rounds.append(record)
            decision = await self._join(final=number == rounds)
            if decision is None:
                return self._answer_without_model()
            if not decision.replan:
                return self._answer(decision)
            record.join_thought = decision.thought
            self.run.emit(ReplanEvent, round=number + 1, reason=decision.thought or "")
        raise AssertionError("the last round cannot replan")

    # --- a round: tasks in, observations out ---------------------------------------------------------

    async def _round(self, number: int) -> RoundRecord:
        record = RoundRecord(number)
        executor = Executor(number, {t.name: t for t in self.req.tools}, self._run_task)
        started = time.perf_counter()
        try:
            if self.req.plan is not None:
                for task in self.req.plan.tasks:
                    self._add(executor, task)
            else:
                record.plan_error = await self._plan(number, executor)
            await executor.wait()
        finally:
            await executor.cancel()  # no-op unless we are leaving early (cancelled, failed, deadline)
        record.tasks = executor.ordered
        self.timings[f"round_{number}_s"] = time.perf_counter() - started
        return record

    def _add(self, executor: Executor, task: Task) -> None:
        if task.is_join:
            return
        self.task_count += 1
        if self.task_count > self.config.max_tasks_per_run:
            raise RunFailed(
                "too_many_tasks", f"The plan has more than {self.config.max_tasks_per_run} tasks (max_tasks_per_run)."
            )
        self.run.emit(
            TaskCreated,
            round=executor.round,
            task_id=task.id,
            tool=task.tool,
            args=args_json(task.args),
            depends_on=list(task.depends_on),
            thought=task.thought,
            source=self._source(task.tool),
        )
        executor.add(task)

    async def _prepare(self, model: LoadedModel, number: int) -> PreparedPlan:
        """Round one through the shared preparation (ToolRAG, guided); a replan with upstream's replan
        prompt, every enabled tool (a missing tool may be why round one failed) and the rounds so far."""
        if number > 1:
            # The planner sends "Question: {query}": upstream's replan message is "Question: {q}\n{context}\n".
            query = f"{self.options.query}\n{replan_context(self.rounds, self.req.tools)}\n"
            self.said = query
            request = plan_request(self.options, ToolChoice(self.req.tools), query=query)
            return PreparedPlan(planner_for(model, ReplanPlanner), request)
        try:
            return await prepare_plan(model, self.options, self.toolrag)
        except Exception:  # a selection bug must not cost the run: plan with every enabled tool
            log.exception("tool selection failed; planning with all enabled tools")
            return await prepare_plan(model, replace(self.options, toolrag=False, guided=False), None)

    async def _plan(self, number: int, executor: Executor) -> str | None:
        """Feed the planner's tasks to ``executor`` as they are parsed; a stopped plan's error text."""
        if self.model is None:
            raise RunFailed("model_not_ready", "The model is not loaded; a query needs it to plan.")
        prepared = await self._prepare(self.model, number)
        finished: PlanFinished | None = None
        started = time.perf_counter()
        async with aclosing(prepared.planner.stream(prepared.request)) as events:
            async for event in events:
                if isinstance(event, PlanToken) and self.config.plan_tokens:
                    self.run.emit(PlanTokenEvent, round=number, text=event.text)
                elif isinstance(event, TaskParsed):
                    self.timings.setdefault("time_to_first_task_s", time.perf_counter() - started)
                    self._add(executor, event.task)
                elif isinstance(event, PlanFinished):
                    finished = event
        self.timings[f"plan_{number}_s"] = time.perf_counter() - started
        return _plan_error(finished)

    # --- one task -------------------------------------------------------------------------------------

    async def _run_task(self, state: TaskState) -> TaskResult:
        task, args = state.task, state.args or ()
        spec = self.req.tools.get(task.tool)
        if state.blocked_by:  # upstream passed the error text on: an SMS would have said "Error: ..."
            return self._finish(state, blocked(state.blocked_by), 0.0)
        if state.round > 1 and (copied := replan_example_value(_strings(args), self.said)) is not None:
            return self._finish(state, from_example(task.tool, copied), 0.0)
        if spec is None or not spec.writes:
            return await self._call(state, spec, None)
        key = write_key(task.tool, args)
        # Two identical writes of one round (a plan that looked Ali up twice and appended each) run one after
        # the other, so the second finds the first done instead of both starting at once.
        async with self.writes.lock(key):
            if (stand_in := self.writes.stand_in(state, key, self.rounds)) is not None:
                return self._finish(state, stand_in, 0.0)
            return await self._call(state, spec, key)

    async def _call(self, state: TaskState, spec: ToolSpec | None, key: tuple[object, ...] | None) -> TaskResult:
        task, args = state.task, state.args or ()
        if self._needs_approval(spec):
            refused = await self._ask(state)
            if refused is not None:
                return self._finish(state, refused, 0.0)
        self.run.emit(TaskStarted, round=state.round, task_id=task.id, tool=task.tool, args=args_json(args))
        started = time.perf_counter()
        context = ToolContext(timezone=self.req.timezone, send_drafts=self.config.send_drafts)
        timeout = self.config.tool_timeout(task.tool)
        outcome = await self.worker.call(task.tool, list(args), timeout=timeout, context=context)
        result = await self._result(outcome)
        if key is not None:
            result = self.writes.record(key, state, result)
        return self._finish(state, result, time.perf_counter() - started)

    def _source(self, tool: str) -> str:
        spec = self.req.tools.get(tool)
        return spec.source if spec is not None else BUILTIN

    def _needs_approval(self, spec: ToolSpec | None) -> bool:
        if self.req.approval == "always":
            return True
        return self.req.approval == "writes" and spec is not None and spec.writes

    async def _ask(self, state: TaskState) -> TaskResult | None:
        """None when approved; otherwise the result that stands in for the call."""
        timeout = self.config.approval_timeout_s
        self.run.emit(
            ApprovalRequired,
            round=state.round,
            task_id=state.task.id,
            tool=state.task.tool,
            args=args_json(state.args or ()),
            timeout_s=timeout,
            source=self._source(state.task.tool),
        )
        decided = await self.run.approval(state.round, state.task.id, timeout)
        if decided:
            return None
        if decided is None:
            message = f"No approval within {timeout:g} s: {state.task.tool} was not run."
            return TaskResult(False, f"Error: {message}", error_code="approval_timeout", error=message)
        message = f"The user denied {state.task.tool}; it was not run."
        return TaskResult(False, f"Error: {message}", error_code="denied", error=message)

    async def _result(self, outcome: ToolOutcome) -> TaskResult:
        if not outcome.ok:
            message = outcome.error_message or outcome.error_code or "failed"
            return TaskResult(False, error_observation(outcome), error_code=outcome.error_code, error=message)
        if outcome.kind == "pdf_text":
            try:
                self.summary = await summarize_text(self.model, outcome.result)
            except ServiceError as exc:  # e.g. the queue is full: this task fails, the run goes on
                message = f"The PDF was read but could not be summarised: {exc.message}"
                return TaskResult(False, f"Error: {message}", error_code="summary_failed", error=message)
            return TaskResult(True, self.summary, result=self.summary)
        return TaskResult(True, outcome.result, result=outcome.result)

    def _finish(self, state: TaskState, result: TaskResult, duration: float) -> TaskResult:
        self.run.emit(
            TaskFinished,
            round=state.round,
            task_id=state.task.id,
            tool=state.task.tool,
            ok=result.ok,
            result=result.result,
            error_code=result.error_code,
            error=result.error,
            observation=result.observation,
            duration_s=duration,
        )
        return result

    # --- joining --------------------------------------------------------------------------------------

    async def _join(self, *, final: bool) -> JoinDecision | None:
        if self.model is None or (self.req.plan is not None and not self.req.joiner):
            return None
        if (self.config.join_style or self.model.profile.join_style) == "rules":
            decision = rules_decision(self.rounds, self.req.tools, final=final)
            if decision.thought:
                self.run.emit(ThoughtEvent, round=len(self.rounds), text=decision.thought)
            return decision
        decision = await self._model_join(self.model, final=final)
        if decision.replan and not round_failed(self.rounds[-1]):
            # Nothing failed: a replan could only repeat or add writes nobody asked for (issue 16).
            log.info("joiner asked to replan after a round without failures; finishing instead")
            return JoinDecision(False, done_answer(self.rounds, self.req.tools), decision.thought, decision.raw)
        return replace(decision, answer=unrepeated(decision.answer))

    async def _model_join(self, model: LoadedModel, *, final: bool) -> JoinDecision:
        joiner = Joiner(model.service, model.formatter, stop=model.stop, use_grammar=self.config.use_grammar)
        number = len(self.rounds)
        pad = scratchpad(self.rounds, self.req.tools)
        started = time.perf_counter()
        decision: JoinDecision | None = None
        streamed = ""
        try:
            async for event in _events(joiner.stream(self.req.query or "", pad, final=final)):
                if isinstance(event, JoinThought):
                    self.run.emit(ThoughtEvent, round=number, text=event.text)
                elif isinstance(event, JoinAnswerDelta):
                    kept = unrepeated(streamed + event.text)
                    if len(kept) < len((streamed + event.text).strip()):  # it repeats itself: stop it here
                        self.run.emit(AnswerToken, text=kept[len(streamed) :])
                        decision = JoinDecision(False, kept, None, raw=kept, streamed=kept)
                        break
                    self.run.emit(AnswerToken, text=event.text)
                    streamed += event.text
                else:
                    decision = event
        except ContextLengthExceeded as exc:
            raise RunFailed(
                "context_length_exceeded",
                f"The tools' results do not fit in the model's context for the answer: {exc.message}",
            ) from None
        self.timings[f"join_{number}_s"] = time.perf_counter() - started
        assert decision is not None
        return decision

    def _answer(self, decision: JoinDecision) -> str:
        answer = decision.answer
        if answer.strip() == SUMMARY and self.summary is not None:
            answer = self.summary
        rest = answer[len(decision.streamed) :] if answer.startswith(decision.streamed) else ""
        if rest:
            self.run.emit(AnswerToken, text=rest)
        self.run.emit(AnswerEvent, text=answer)
        return answer

    def _answer_without_model(self) -> str:
        """A given plan run without the joiner (asked for, or no model loaded): the last observation."""
        tasks = [state for record in self.rounds for state in record.tasks]
        answer = self.summary or (tasks[-1].observation if tasks else "The plan has no tasks.")
        self.run.emit(AnswerToken, text=answer)
        self.run.emit(AnswerEvent, text=answer)
        return answer


def _strings(args: tuple[ArgValue, ...]) -> list[str]:
    """The text values of a call's arguments, lists' items included."""
    found: list[str] = []
    for arg in args:
        if isinstance(arg, tuple):
            found += _strings(arg)
        elif isinstance(arg, str):
            found.append(arg)
    return found


def _plan_error(finished: PlanFinished | None) -> str | None:
    if finished is None:
        return plan_error_observation("", "the planner stopped without finishing the plan")
    fatal = finished.outcome.fatal_errors
    if not fatal:
        return None
    return plan_error_observation(fatal[0].text, fatal[0].message)


async def _events(stream: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async with aclosing(stream) as events:  # type: ignore[type-var]
        async for event in events:
            yield event
