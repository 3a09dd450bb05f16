"""tool_choice "auto": deciding between a tool call and an answer without trusting a small model's
first tokens.

Measured on held-out conversations (``tinyagent eval-tools``), the embedded 135M model almost never
opens a tool call when it may choose, so agent frameworks, which all default to "auto", never got
one. A ``ToolDecider`` makes the choice before the model writes: ``SimilarityDecider`` compares the
user's last message with each offered tool's name and description in the sentence-embedding space
ToolRAG already uses, and a learned rule (``chat/auto_rule.py``) weighs those similarities with the
request's own vector. Then the reply is generated under the grammar of the chosen mode, so the
arguments are always valid under the tool's schema. Which profiles use it, and the threshold, were
chosen on the dev conversations (docs/openai.md has the figures).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tinyagent.chat.auto_rule import LearnedRule
from tinyagent.chat.types import ChatMessage, ToolSpec

Encode = Callable[[list[str]], Awaitable[np.ndarray]]  # texts -> L2-normalised rows

# What people say when no tool is wanted, written as kinds of request rather than examples of a set.
# A request closer to one of these than to any offered tool is answered in text: an absolute
# similarity threshold alone separated the dev conversations poorly (80% right at its best).
ANSWER_KINDS = (
    "Hello, hi, good morning, how are you?",
    "Thank you, thanks, great, okay, goodbye, bye.",
    "Explain a concept or how something works.",
    "Help me decide or choose what to cook, eat, wear, watch, read, name or do.",
    "Answer a general knowledge question about facts, history, science or people.",
    "Write a poem, a story, a joke or a short message.",
    "Give advice, tips, ideas, suggestions or recommendations.",
    "What is the meaning or definition of a word or phrase?",
    "Tell me about yourself.",
)
# Chosen on the dev conversations (eval/data/auto_dev.jsonl); see docs/openai.md.
DEFAULT_THRESHOLD = 0.0  # how far the best tool must lead the closest kind of answer


@dataclass(frozen=True)
class AutoDecision:
    call: bool
    score: float = 0.0  # how far the best tool leads the closest kind of answer
    reason: str = ""


@dataclass(frozen=True)
class Measured:
    """A request against the offered tools: its vector, the best tool's similarity (``top``, its index) and
    the closest answer kind's."""

    request: np.ndarray
    best: float
    answer: float
    top: int

    @property
    def lead(self) -> float:
        """How far the best tool leads the closest kind of answer: the rule without learned weights."""
        return self.best - self.answer


class ToolDecider(Protocol):
    async def decide(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> AutoDecision: ...


def tool_text(tool: ToolSpec) -> str:
    """What a tool is about, in words: its name split into words, then its description."""
    words = re.sub(r"[_\-]+", " ", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tool.name)).strip()
    return f"{words}: {tool.description}" if tool.description else words


def request_text(messages: Sequence[ChatMessage]) -> str | None:
    """The user's last message, or None when the conversation does not end with one.

    After a tool's result the reply is an answer: a small model asked again calls again.
    """
    if not messages or messages[-1].role != "user":
        return None
    text = (messages[-1].content or "").strip()
    return text or None


def answer_messages(messages: Sequence[ChatMessage]) -> tuple[ChatMessage, ...]:
    """The conversation for the answer after tool results, with those results said in words.

    The embedded model never learnt a tool role: shown ``<tool_response>`` blocks it often copied one
    into its answer (2 of 16 conversations through /v1/chat/completions; Codex's answer after its first
    ``ls`` too), and the Hermes syntax reached the user. As a user turn that gives each result and then
    asks the question again, no syntax is in the prompt to copy: 0 of 16 leaked, and as many answers
    held the result (13 of 16 both ways; docs/openai.md).
    """
    end = len(messages)
    start = end
    while start > 0 and messages[start - 1].role == "tool":
        start -= 1
    if start == end or start == 0 or messages[start - 1].role != "assistant":
        return tuple(messages)
    names = {call.id: call.name for call in messages[start - 1].tool_calls}
    question = next((m.content for m in reversed(messages[: start - 1]) if m.role == "user" and m.content), "")
    results = "\n\n".join(
        f"{names.get(m.tool_call_id or '', m.name or 'The tool')} returned:\n{m.content or ''}"
        for m in messages[start:]
    )
    said = f"{results}\n\nUsing only that, answer: {question}" if question else results
    return (*messages[: start - 1], ChatMessage("user", said))


class SimilarityDecider:
    """Calls a tool when the user's last message is closer to one of the offered tools than to any
    kind of request that wants an answer in text (``ANSWER_KINDS``), by at least ``threshold``.
    Which tool is left to the model, under the grammar: naming the most similar one was right less
    often on dev (17 of 20 against 18), and a named small model rambled inside a string argument.
    """

    def __init__(
        self,
        encode: Encode,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        answer_kinds: Sequence[str] = ANSWER_KINDS,
        rule: LearnedRule | None = None,
    ):
        self._encode = encode
        self.threshold = threshold
        self._answer_kinds = tuple(answer_kinds)
        self.rule = rule  # when given, it weighs the similarities and the request (chat/auto_rule.py)
        self._tool_vectors: dict[str, np.ndarray] = {}  # tool texts repeat across a conversation's turns

    async def decide(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> AutoDecision:
        text = request_text(messages)
        if text is None or not tools:
            return AutoDecision(False, reason="the conversation does not end with a user request")
        seen = await self.measure(text, tools)
        lead = seen.lead if self.rule is None else self.rule.lead(seen.request, seen.best, seen.answer)
        if lead < self.threshold:
            return AutoDecision(False, score=lead, reason=f"an answer fits better than any tool ({lead:.2f})")
        return AutoDecision(True, score=lead, reason=f"closest: {tools[seen.top].name} ({lead:.2f})")

    async def measure(self, text: str, tools: Sequence[ToolSpec]) -> Measured:
        """What the decision reads; ``bench/fit_auto_rule.py`` fits the learned rule on the same figures."""
        texts = [tool_text(t) for t in tools]
        request, scores = await self._scores(text, [*texts, *self._answer_kinds])
        answer = float(scores[len(texts) :].max()) if self._answer_kinds else 0.0
        top = int(np.argmax(scores[: len(texts)]))
        return Measured(request, float(scores[top]), answer, top)

    async def _scores(self, text: str, tool_texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The request's vector, and its similarity to each of ``tool_texts``."""
        if len(self._tool_vectors) > 4096:  # a bound for servers that see ever-new tools
            self._tool_vectors.clear()
        missing = [t for t in dict.fromkeys(tool_texts) if t not in self._tool_vectors]
        vectors = await self._encode([text, *missing])
        self._tool_vectors.update(zip(missing, vectors[1:], strict=True))
        matrix = np.stack([self._tool_vectors[t] for t in tool_texts])
        return vectors[0], np.asarray(matrix @ vectors[0], dtype=np.float32)
