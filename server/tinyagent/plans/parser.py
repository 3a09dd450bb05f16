"""Parse and validate TinyAgent plans, incrementally, into a ``Plan`` DAG.

Each completed line becomes a task at once so tools can start while the plan is still being
generated (upstream's streaming design). Results do not depend on how the text is chunked.

Fatal errors (the plan must not run; the caller replans with the messages):
``unparsable_line``, ``bad_args``, ``unknown_tool``, ``wrong_arity``, ``wrong_type``,
``bad_reference`` (a whole-string ``"$N"`` naming itself, a later, missing or rejected task),
``named_reference`` (a whole-string ``"$SID"`` or ``"${NAME}"``: references are ``$N``, the number of
an earlier step; a model that invents names for values would otherwise send the literal text),
``duplicate_id``, ``non_increasing_id``, ``missing_join``.

Warnings (the plan runs as parsed):
``id_gap`` (ids skip numbers or do not start at 1: references stay unambiguous, upstream's own
replan example ends ``2. ... / 4. join()``); ``task_after_join`` (dropped: upstream stops at the
first join); ``dangling_thought`` (a Thought with no action after it, or replaced by another);
``literal_dollar`` (``$N`` inside longer text that names no earlier task, e.g. "costs $40":
kept as text, not a dependency, as upstream does); ``comment`` (a trailing ``#word``, ignored);
``trailing_text`` (text after ``join()`` on its line, ignored).

After the first fatal error no further tasks are emitted, so a streaming executor never starts
work from a plan that is already known to be broken.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from enum import Enum

from tinyagent.plans.plan import ArgValue, Plan, Task, iter_strings, referenced_ids
from tinyagent.plans.prompts import END_OF_PLAN
from tinyagent.tools.registry import JOIN, TOOL_NAMES, ToolSet, reference_id

THOUGHT_RE = re.compile(r"Thought:\s*(.*)")
# Upstream's ACTION_PATTERN, anchored, tolerant of spacing, with its optional trailing "#word".
ACTION_RE = re.compile(r"([0-9]+)\.\s*(\w+)\s*\((.*)\)\s*(#\w+)?")
# join() ends the plan, so text after it on its line is chatter (upstream's prefix match ignores it too).
JOIN_LINE_RE = re.compile(r"([0-9]+)\.\s*join\s*\(\s*\)(.*)")

FATAL_CODES = frozenset(
    {
        "unparsable_line",
        "bad_args",
        "unknown_tool",
        "wrong_arity",
        "wrong_type",
        "bad_reference",
        "named_reference",
        "duplicate_id",
        "non_increasing_id",
        "missing_join",
    }
)


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class PlanError:
    """A problem tied to a line of the plan text (line 0 for whole-plan problems)."""

    line: int
    text: str
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if self.code in FATAL_CODES else Severity.WARNING

    @property
    def fatal(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message} [{self.code}]" + (f": {self.text}" if self.text else "")


@dataclass(frozen=True)
class PlanOutcome:
    """What finishing a parse yields: the last tasks, the plan (None if fatal errors) and all problems."""

    tasks: tuple[Task, ...]
    plan: Plan | None
    errors: tuple[PlanError, ...]

    @property
    def fatal_errors(self) -> tuple[PlanError, ...]:
        return tuple(e for e in self.errors if e.fatal)

    @property
    def warnings(self) -> tuple[PlanError, ...]:
        return tuple(e for e in self.errors if not e.fatal)


class ArgsError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _freeze(value: object, position: int) -> ArgValue:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, list | tuple):
        return tuple(_freeze(item, position) for item in value)
    raise ArgsError(
        "wrong_type",
        f"argument {position} is a {type(value).__name__}; plans take str, int, bool, None and lists",
    )


# What Python's parser raises for text too deep or too big to parse. SystemError too: CPython 3.11 can
# raise "AST constructor recursion depth mismatch" for deep input after an earlier RecursionError (found by
# the API fuzzer as a 500 on a model-written plan); it is unparsable text, not a server fault.
_UNPARSABLE = (SyntaxError, RecursionError, MemoryError, SystemError)


def parse_args(raw: str) -> tuple[ArgValue, ...]:
    """Positional Python-literal arguments; ``a, b`` -> ``(a, b)``, ``x`` -> ``(x,)``, empty -> ``()``.

    Parsed as a call rather than a tuple so a single list argument stays one argument.
    """
    if not raw.strip():
        return ()
    try:
        call = ast.parse(f"f({raw})", mode="eval").body
    except _UNPARSABLE as exc:
        raise ArgsError("bad_args", f"arguments are not Python literals ({exc})") from None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"):
        raise ArgsError("bad_args", "arguments are not a single call's argument list")
    if call.keywords:
        raise ArgsError("bad_args", "named arguments are not allowed; pass arguments positionally")
    values: list[ArgValue] = []
    for position, node in enumerate(call.args, start=1):
        try:
            value = ast.literal_eval(node)
        except (ValueError, TypeError, *_UNPARSABLE) as exc:
            raise ArgsError("bad_args", f"argument {position} is not a Python literal ({exc})") from None
        values.append(_freeze(value, position))
    return tuple(values)


@dataclass
class _State:
    """Mutable per-parse state; lives inside one parser instance only."""

    line_no: int = 0
    buffer: str = ""
    thought: tuple[str, int, str] | None = None  # (text, line number, raw line)
    seen_ids: list[int] = field(default_factory=list)
    accepted: list[Task] = field(default_factory=list)
    errors: list[PlanError] = field(default_factory=list)
    joined: bool = False
    ended: bool = False
    finished: bool = False


class StreamingPlanParser:
    """Feed generated text as it arrives; completed lines come back as tasks."""

    def __init__(self, tools: ToolSet) -> None:
        self._tools = tools
        self._s = _State()

    @property
    def errors(self) -> tuple[PlanError, ...]:
        return tuple(self._s.errors)

    @property
    def fatal(self) -> bool:
        return any(e.fatal for e in self._s.errors)

    @property
    def done(self) -> bool:
        """True once join() or ``<END_OF_PLAN>`` was seen: the caller may stop generating."""
        return self._s.joined or self._s.ended

    def feed(self, chunk: str) -> list[Task]:
        s = self._s
        if s.finished:
            raise RuntimeError("feed() after finish()")
        if s.ended:
            return []
        s.buffer += chunk
        end = s.buffer.find(END_OF_PLAN)
        if end >= 0:
            # Everything after the stop marker is ignored; what precedes it is a complete line.
            lines, s.buffer, s.ended = s.buffer[:end].split("\n"), "", True
        else:
            *lines, s.buffer = s.buffer.split("\n")
        return [task for line in lines if (task := self._line(line)) is not None]

    def finish(self) -> PlanOutcome:
        s = self._s
        if s.finished:
            raise RuntimeError("finish() called twice")
        # A stop sequence can cut generation inside the marker; a prefix of it is not plan text.
        rest = _without_partial_marker(s.buffer)
        tail = self._line(rest) if rest else None
        s.buffer, s.finished = "", True
        if s.thought is not None:
            self._problem(s.thought[1], s.thought[2], "dangling_thought", "Thought not followed by an action")
        if not s.joined:
            self._problem(0, "", "missing_join", "the plan must end with a join() call")
        plan = None if self.fatal else Plan(tuple(s.accepted))
        return PlanOutcome(tasks=(tail,) if tail else (), plan=plan, errors=tuple(s.errors))

    # --- one line ---------------------------------------------------------------------------------

    def _problem(self, line: int, text: str, code: str, message: str) -> None:
        self._s.errors.append(PlanError(line, text, code, message))

    def _line(self, raw: str) -> Task | None:
        s = self._s
        s.line_no += 1
        text = raw.rstrip("\r")
        stripped = text.strip()
        if not stripped:
            return None
        if s.joined:
            if ACTION_RE.fullmatch(stripped):
                self._problem(s.line_no, text, "task_after_join", "ignored: tasks after join() never run")
            return None
        if thought := THOUGHT_RE.fullmatch(stripped):
            self._thought(thought.group(1).strip(), text)
            return None
        if join := JOIN_LINE_RE.fullmatch(stripped):
            if join.group(2).strip():
                self._problem(s.line_no, text, "trailing_text", "text after join() ignored")
            return self._action(int(join.group(1)), JOIN, "", text)
        action = ACTION_RE.fullmatch(stripped)
        if action is None:
            self._problem(s.line_no, text, "unparsable_line", "expected 'N. tool(args)' or 'Thought: ...'")
            return None
        if action.group(4):
            self._problem(s.line_no, text, "comment", "trailing comment ignored")
        return self._action(int(action.group(1)), action.group(2), action.group(3), text)

    def _thought(self, thought: str, text: str) -> None:
        s = self._s
        if s.thought is not None:
            self._problem(s.thought[1], s.thought[2], "dangling_thought", "Thought replaced by a later one")
        s.thought = (thought, s.line_no, text) if thought else None

    def _action(self, task_id: int, tool: str, raw_args: str, text: str) -> Task | None:
        s = self._s
        thought, s.thought = (s.thought[0] if s.thought else None), None
        fatal_before = self.fatal
        if not self._check_id(task_id, text):
            return None
        if tool == JOIN:
            task = self._join(task_id, raw_args, thought, text)
        else:
            task = self._call(task_id, tool, raw_args, thought, text)
        if task is None:
            return None
        s.accepted.append(task)
        return None if fatal_before or self.fatal else task

    def _check_id(self, task_id: int, text: str) -> bool:
        s = self._s
        line = s.line_no
        if task_id in s.seen_ids:
            self._problem(line, text, "duplicate_id", f"task id {task_id} is used twice")
            return False
        if s.seen_ids and task_id < s.seen_ids[-1]:
            self._problem(line, text, "non_increasing_id", f"task id {task_id} follows {s.seen_ids[-1]}")
            return False
        expected = s.seen_ids[-1] + 1 if s.seen_ids else 1
        if task_id != expected:
            self._problem(line, text, "id_gap", f"task id {task_id} where {expected} was expected")
        s.seen_ids.append(task_id)
        return True

    def _join(self, task_id: int, raw_args: str, thought: str | None, text: str) -> Task | None:
        s = self._s
        if raw_args.strip():
            self._problem(s.line_no, text, "wrong_arity", "join() takes no arguments")
            return None
        s.joined = True
        deps = tuple(t.id for t in s.accepted)
        return Task(task_id, JOIN, (), deps, thought, raw_args="", line=s.line_no)

    def _call(self, task_id: int, tool: str, raw: str, thought: str | None, text: str) -> Task | None:
        s = self._s
        spec = self._tools.get(tool)
        if spec is None:
            known = "is not enabled" if tool in TOOL_NAMES else "not found"
            self._problem(s.line_no, text, "unknown_tool", f"Tool {tool} {known}")
            return None
        try:
            args = parse_args(raw)
        except ArgsError as exc:
            self._problem(s.line_no, text, exc.code, exc.message)
            return None
        issues = spec.check_args(args)
        for issue in issues:
            self._problem(s.line_no, text, issue.code, issue.message)
        deps = self._dependencies(task_id, args, text)
        if issues or deps is None:
            return None
        return Task(task_id, tool, args, deps, thought, raw_args=raw, line=s.line_no)

    def _dependencies(self, task_id: int, args: tuple[ArgValue, ...], text: str) -> tuple[int, ...] | None:
        """Sorted ids this call depends on, or None after reporting a bad whole-string reference."""
        s = self._s
        valid = {t.id for t in s.accepted}
        ok = True
        for target in (reference_id(v) for arg in args for v in iter_strings(arg)):
            if target is not None and target not in valid:
                self._problem(s.line_no, text, "bad_reference", _bad_reference(task_id, target, s.seen_ids))
                ok = False
        for named in (v.strip() for arg in args for v in iter_strings(arg) if _NAMED_REF.fullmatch(v.strip())):
            message = f"{named} is not a reference: a reference is $N, the number of an earlier step"
            self._problem(s.line_no, text, "named_reference", message)
            ok = False
        literal = sorted({ref for ref in referenced_ids(args) if ref not in valid})
        if ok and literal:
            refs = ", ".join(f"${ref}" for ref in literal)
            self._problem(s.line_no, text, "literal_dollar", f"{refs} names no earlier task; kept as text")
        return tuple(sorted({r for r in referenced_ids(args) if r in valid})) if ok else None


_NAMED_REF = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")


def _without_partial_marker(text: str) -> str:
    for n in range(len(END_OF_PLAN) - 1, 0, -1):
        if text.endswith(END_OF_PLAN[:n]):
            return text[:-n]
    return text


def _bad_reference(task_id: int, target: int, seen: list[int]) -> str:
    if target == task_id:
        return f"${target} refers to the task itself"
    if target > task_id:
        return f"${target} refers to a later task"
    if target in seen:
        return f"${target} refers to task {target}, which is invalid"
    return f"${target} refers to a task that does not exist"


def parse_plan(text: str, tools: ToolSet) -> PlanOutcome:
    """Parse a whole plan; ``tasks`` in the outcome are all emitted tasks."""
    parser = StreamingPlanParser(tools)
    tasks = parser.feed(text)
    outcome = parser.finish()
    return PlanOutcome(tasks=(*tasks, *outcome.tasks), plan=outcome.plan, errors=outcome.errors)
