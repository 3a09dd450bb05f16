"""Answers that say what was done, and the decisions of the rules joiner.

Upstream's joiner asks the model to Finish(answer) or Replan. A 135M model cannot judge a round: it
replans after every task succeeded (issue 16: a second email to Sid, an unrelated file opened) and
its answers run on ("Task completed!", hundreds of repeated dates). Profiles with ``join_style =
"rules"`` decide here instead: finish with what was done, and replan once only when the plan itself
stopped on an error (an unknown tool, a line that does not parse). A task that failed is not replanned:
the small models' unguided replan rounds mended none of the 12 failed tasks of
bench/run_writes_tuning16.jsonl (no recipient, not a PDF, an end before its start; run success 10 with
replans and without) and opened upstream's example file "Apple Demo" or files named "" instead, as
the 8 replans in the bank's natural held-out requests had texted a street and opened an unrelated
file (docs/runs.md). The answer says what failed, so the person can say it better; it is written from
the calls and their observations. For every profile, a Replan after a round where nothing failed is
turned into Finish, and a model's answer loses its degenerate repetition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tinyagent.plans.plan import ArgValue
from tinyagent.runs.executor import TaskState
from tinyagent.runs.joiner import JoinDecision, RoundRecord
from tinyagent.tools.registry import ToolSet

MAX_ANSWER_CHARS = 1200
MAX_PART_CHARS = 300
_LOOKUPS = ("get_email_address", "get_phone_number", "open_and_get_file_path")


def failures(record: RoundRecord) -> list[TaskState]:
    return [s for s in record.tasks if s.result is not None and not s.result.ok]


def round_failed(record: RoundRecord) -> bool:
    """Something a replan could be for: a task that failed or was skipped, or a plan that stopped."""
    return record.plan_error is not None or bool(failures(record))


def rules_decision(rounds: Sequence[RoundRecord], tools: ToolSet, *, final: bool) -> JoinDecision:
    """Finish with what was done; Replan (not in the last round) when the plan stopped on an error."""
    record = rounds[-1]
    if not final and record.plan_error is not None:
        return JoinDecision(True, "", record.plan_error, raw="")
    answer = done_answer(rounds, tools)
    return JoinDecision(False, answer, None, raw="")


def done_answer(rounds: Sequence[RoundRecord], tools: ToolSet) -> str:
    """What the run did, a sentence per call nothing else used, and what failed; bounded."""
    # A write a replan added and the run refused (runs/writes.py) was never asked for: not worth a line.
    states = [s for r in rounds for s in r.tasks if s.result is not None and s.result.error_code != "not_asked"]
    used = {(s.round, dep) for s in states for dep in s.task.depends_on}
    by_id = {(s.round, s.task.id): s for s in states}
    parts = [
        _describe(s, by_id, tools) if s.result is not None and s.result.ok else _failure_line(s)
        for s in states
        if (s.round, s.task.id) not in used or (s.result is not None and not s.result.ok)
    ]
    text = "\n".join(p for p in parts if p) or "The plan had nothing to do."
    return text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 3].rstrip() + "..."


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_PART_CHARS else text[: MAX_PART_CHARS - 3].rstrip() + "..."


def _failure_line(state: TaskState) -> str:
    message = state.result.error if state.result is not None and state.result.error else state.observation
    if state.result is not None and state.result.error_code == "outcome_unknown":
        return f"{state.task.tool} may or may not have happened: {_short(message or 'no answer in time')}"
    return f"{state.task.tool} did not run: {_short(message or 'it failed')}"


def _who(value: ArgValue, state: TaskState, by_id: dict[tuple[int, int], TaskState]) -> str:
    """Recipients as the request named them: "$1" stands for the lookup's name, not its result."""
    items = value if isinstance(value, tuple) else (value,)
    names = []
    for item in (str(i) for i in items):
        ref = re.fullmatch(r"\$\{?(\d+)\}?", item.strip())
        source = by_id.get((state.round, int(ref.group(1)))) if ref else None
        if source is not None and source.task.tool in _LOOKUPS and source.task.args:
            names.append(str(source.task.args[0]))
        else:
            names.append(item)
    return ", ".join(n for n in names if n.strip()) or "no one"


def _describe(state: TaskState, by_id: dict[tuple[int, int], TaskState], _tools: ToolSet) -> str:
    """One sentence for one successful call, from its arguments and the worker's observation."""
    task, args, seen = state.task, state.args or state.task.args, _short(state.observation)
    if task.tool == "send_sms":
        return f'Text to {_who(task.args[0], state, by_id)}: "{_short(str(args[1]))}" ({seen})'
    if task.tool in ("compose_new_email", "forward_email"):
        return f"Email to {_who(task.args[0], state, by_id)}: {seen}"
    if task.tool == "create_calendar_event":
        return f'Calendar event "{args[0]}", {args[1]} to {args[2]}: created'
    if task.tool == "create_reminder":
        return f"{seen} Due {args[1]}."
    if task.tool in _LOOKUPS and args:
        return f"{args[0]}: {seen}"
    if task.tool == "get_zoom_meeting_link":
        return f'Zoom meeting "{args[0]}" at {args[1]}: {seen}'
    return seen


_REPEAT = re.compile(r"(.{8,}?)(?:\s*\1){2,}", re.S)


def unrepeated(answer: str) -> str:
    """The answer up to where it starts repeating itself (three times or more), bounded."""
    match = _REPEAT.search(answer)
    if match is not None:
        answer = answer[: match.start()] + match.group(1)
    answer = answer.strip()
    return answer if len(answer) <= MAX_ANSWER_CHARS else answer[: MAX_ANSWER_CHARS - 3].rstrip() + "..."
