"""The joiner: after a plan round, the model reads what happened and answers Finish(...) or Replan.

Prompt (upstream §5.1): ``OUTPUT_PROMPT`` (``OUTPUT_PROMPT_FINAL`` in the last round) + ``\\nQuestion:
{query}\\n\\n{scratchpad}\\n`` as one user message. The scratchpad shows each executed call in
upstream's ``stringify_rule`` form (named arguments, no quoting) with its observation. Parsing is
upstream's string slicing (answer = text between the first ``(`` and the last ``)`` of the Action
line), done incrementally so the answer can be streamed: the text before the line's last ``)`` is
certainly answer text, what follows it is held back until more arrives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from tinyagent.chat.formats import ChatFormatter
from tinyagent.chat.types import ChatMessage
from tinyagent.inference.types import Finished, GenerationParams, TextGenerator
from tinyagent.plans.plan import ArgValue
from tinyagent.runs.executor import TaskState
from tinyagent.runs.joiner_prompts import OUTPUT_PROMPT, OUTPUT_PROMPT_FINAL
from tinyagent.tools.registry import ToolSet

END_OF_RESPONSE = "<END_OF_RESPONSE>"
SUMMARY = "Summary"
# Single-argument tools render positionally, the rest with names (upstream's stringify_rule).
POSITIONAL = frozenset(
    {"get_phone_number", "get_email_address", "open_and_get_file_path", "summarize_pdf", "maps_open_location"}
)
RENAMED = {("reply_to_email", "context"): "content", ("forward_email", "context"): "content"}
JOINER_MAX_TOKENS = 512
# One huge observation (a long note, a PDF's text) must not push the whole scratchpad out of context.
MAX_OBSERVATION_CHARS = 4000


def _plain(value: ArgValue) -> str:
    if isinstance(value, tuple):
        return str([_plain(item) for item in value])
    return str(value)


def stringify(tool: str, args: Sequence[ArgValue], tools: ToolSet) -> str:
    """A call as upstream shows it to the joiner: ``get_phone_number(Sid)``, ``send_sms(recipients=[...], ...)``."""
    if tool in POSITIONAL or tools.get(tool) is None:
        return f"{tool}({', '.join(_plain(a) for a in args)})"
    spec = tools.get(tool)
    assert spec is not None
    names = [RENAMED.get((tool, p.name), p.name) for p in spec.params]
    return f"{tool}({', '.join(f'{n}={_plain(a)}' for n, a in zip(names, args, strict=False))})"


@dataclass
class RoundRecord:
    """One executed plan round, as the joiner and the replanner see it."""

    number: int
    tasks: list[TaskState] = field(default_factory=list)
    plan_error: str | None = None  # the synthetic join() observation of a stopped plan
    join_thought: str | None = None  # the joiner's thought after this round

    def entries(self, tools: ToolSet, *, numbered: bool) -> list[str]:
        out = []
        for state in self.tasks:
            thought = f"Thought: {state.task.thought}\n" if state.task.thought else ""
            call = stringify(state.task.tool, state.args if state.args is not None else state.task.args, tools)
            prefix = f"{state.task.id}. " if numbered else ""
            out.append(f"{thought}{prefix}{call}\nObservation: {_bounded(state.observation)}\n")
        if self.plan_error is not None:
            prefix = f"{len(self.tasks) + 1}. " if numbered else ""
            out.append(f"{prefix}join()\nObservation: {self.plan_error}\n")
        return out


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_OBSERVATION_CHARS else text[:MAX_OBSERVATION_CHARS] + " [...]"


def scratchpad(rounds: Sequence[RoundRecord], tools: ToolSet) -> str:
    return "\n\n".join("".join(r.entries(tools, numbered=False)) for r in rounds).strip()


def replan_context(rounds: Sequence[RoundRecord], tools: ToolSet) -> str:
    """Upstream's replan context: each earlier round as "Previous Plan", then "Current Plan:"."""
    parts = []
    for record in rounds:
        body = "\n".join(record.entries(tools, numbered=True)) + "\n\n" + f"Thought: {record.join_thought or ''}"
        parts.append(f"Previous Plan:\n\n{body}\n\n")
    return "".join(parts) + "Current Plan:\n\n"


def joiner_prompt(query: str, pad: str, *, final: bool) -> str:
    return f"{OUTPUT_PROMPT_FINAL if final else OUTPUT_PROMPT}\nQuestion: {query}\n\n{pad}\n"


def joiner_grammar(*, final: bool) -> str:
    """One optional Thought line, then the Action; bounded so even a random model stops."""
    action = '"Finish(" ans ")"' if final else '("Finish(" ans ")" | "Replan")'
    return "\n".join(
        [
            'root ::= thought? "Action: " action',
            f"action ::= {action}",
            'thought ::= "Thought: " [^\\n]{1,300} "\\n"',
            "ans ::= [^\\n]{1,600}",
        ]
    )


@dataclass(frozen=True)
class JoinThought:
    text: str


@dataclass(frozen=True)
class JoinAnswerDelta:
    text: str


@dataclass(frozen=True)
class JoinDecision:
    replan: bool
    answer: str
    thought: str | None
    raw: str
    streamed: str = ""  # the prefix of ``answer`` already sent as JoinAnswerDelta


JoinEvent = JoinThought | JoinAnswerDelta | JoinDecision


class JoinerOutputParser:
    """Incremental ``_parse_joinner_output``: thoughts and answer text as soon as they are certain."""

    def __init__(self, *, final: bool) -> None:
        self._final = final
        self._raw = ""
        self._lines_seen = 0
        self.thought: str | None = None
        self.streamed = ""

    def feed(self, text: str) -> list[JoinThought | JoinAnswerDelta]:
        self._raw += text
        lines = self._raw.split("\n")
        out: list[JoinThought | JoinAnswerDelta] = []
        action_index = next((i for i, line in enumerate(lines) if "Action:" in line), None)
        done = len(lines) - 1 if action_index is None else min(action_index, len(lines) - 1)
        for line in lines[self._lines_seen : done]:
            if (thought := _thought(line)) is not None:
                self.thought = thought
                out.append(JoinThought(thought))
        self._lines_seen = max(self._lines_seen, done)
        if action_index is not None:
            certain = self._certain_answer(lines[action_index])
            if len(certain) > len(self.streamed) and certain.startswith(self.streamed):
                out.append(JoinAnswerDelta(certain[len(self.streamed) :]))
                self.streamed = certain
        return out

    def _certain_answer(self, line: str) -> str:
        action = line[line.find("Action:") :]
        if "(" not in action or ("Replan" in action and not self._final):
            return ""
        inner = action[action.find("(") + 1 :]
        # Only the line's last ")" ends the answer: text after the latest ")" may still be outside it.
        certain = inner[: inner.rfind(")")] if ")" in inner else inner
        # Finish(Summary) is replaced by the cached PDF summary: never stream the word itself.
        return "" if SUMMARY.startswith(certain) else certain

    def decision(self) -> JoinDecision:
        lines = self._raw.split("\n")
        action_line = next((line for line in lines if "Action:" in line), None)
        if action_line is None:
            # No Action at all: say what the model said rather than nothing (upstream answers "").
            fallback = self.thought or self._raw.strip()
            return JoinDecision(False, fallback, self.thought, self._raw, self.streamed)
        action = action_line[action_line.find("Action:") :]
        replan = "Replan" in action and not self._final
        start = action.find("(") + 1 if "(" in action else len(action)
        end = action.rfind(")")
        answer = "" if replan else (action[start:end] if end >= start else action[start:])
        return JoinDecision(replan, answer, self.thought, self._raw, self.streamed)


def _thought(line: str) -> str | None:
    return line[line.find("Thought:") + len("Thought:") :].strip() if "Thought:" in line else None


class Joiner:
    def __init__(
        self,
        generator: TextGenerator,
        formatter: ChatFormatter,
        *,
        stop: Sequence[str] = (),
        use_grammar: bool = True,
    ) -> None:
        self._generator = generator
        self._formatter = formatter
        self._stop = tuple(stop)
        self._grammar = use_grammar

    def render(self, query: str, pad: str, *, final: bool) -> tuple[str, tuple[str, ...]]:
        rendered = self._formatter.render([ChatMessage(role="user", content=joiner_prompt(query, pad, final=final))])
        stops = tuple(dict.fromkeys((*rendered.stop, *self._stop, END_OF_RESPONSE)))
        return rendered.prompt, stops

    async def stream(self, query: str, pad: str, *, final: bool) -> AsyncIterator[JoinEvent]:
        """Thoughts and answer deltas as they become certain, then one JoinDecision."""
        prompt, stops = self.render(query, pad, final=final)
        params = GenerationParams(
            max_tokens=JOINER_MAX_TOKENS,
            temperature=0.0,
            stop=stops,
            grammar=joiner_grammar(final=final) if self._grammar else None,
        )
        parser = JoinerOutputParser(final=final)
        events = self._generator.generate(prompt, params)
        try:
            async for event in events:
                if isinstance(event, Finished):
                    break
                for item in parser.feed(event.text):
                    yield item
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:  # TextGenerator promises only an AsyncIterator; free the model now
                await aclose()
        yield parser.decision()
