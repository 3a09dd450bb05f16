"""tool_choice "auto" decided by similarity (chat/auto.py): the decision, and how the chat service
follows it. The vectors are hand-made so that each decision is known; the real embedder and model
are in test_models_real.py and `tinyagent eval-tools`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from fake_model import FakeModel
from tinyagent.chat.auto import AutoDecision, SimilarityDecider, answer_messages, request_text, tool_text
from tinyagent.chat.formats import get_chat_format
from tinyagent.chat.grammars import tool_call_grammar
from tinyagent.chat.service import ChatService
from tinyagent.chat.types import ChatMessage, ChatRequest, ToolCall, ToolSpec
from tinyagent.inference.types import GenerationParams

pytestmark = pytest.mark.anyio

WEATHER = ToolSpec("get_weather", "Weather forecast for a city", {"type": "object", "properties": {}})
EMAIL = ToolSpec("sendEmail", "", {"type": "object", "properties": {}})
KINDS = ("small talk",)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Axes:
    """Each text is a unit vector on its own axis, except those mapped to another text's axis."""

    def __init__(self, same: dict[str, str]) -> None:
        self.same = same
        self.axes: dict[str, int] = {}
        self.calls: list[list[str]] = []

    async def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(texts)
        rows = np.zeros((len(texts), 16), dtype=np.float32)
        for i, text in enumerate(texts):
            key = self.same.get(text, text)
            rows[i, self.axes.setdefault(key, len(self.axes))] = 1.0
        return rows


def user(text: str) -> tuple[ChatMessage, ...]:
    return (ChatMessage("system", "Be brief."), ChatMessage("user", text))


def test_tool_text_reads_names_as_words() -> None:
    assert tool_text(WEATHER) == "get weather: Weather forecast for a city"
    assert tool_text(EMAIL) == "send Email"


def test_only_a_conversation_ending_with_a_user_request_may_call() -> None:
    assert request_text(user("  rain? ")) == "rain?"
    assert request_text((*user("rain?"), ChatMessage("assistant", "Sunny."))) is None
    assert request_text((*user("rain?"), ChatMessage("tool", "12C", tool_call_id="c"))) is None
    assert request_text(user("   ")) is None


async def test_the_request_nearest_a_tool_calls() -> None:
    encode = Axes({"rain in Paris?": tool_text(WEATHER), "hi!": "small talk"})
    decider = SimilarityDecider(encode, answer_kinds=KINDS)
    decision = await decider.decide(user("rain in Paris?"), (WEATHER, EMAIL))
    assert decision.call and decision.score == 1.0 and "get_weather" in decision.reason
    assert not (await decider.decide(user("hi!"), (WEATHER, EMAIL))).call
    # Tool texts are embedded once, however many turns offer them.
    assert encode.calls[1] == ["hi!"]


async def test_a_tie_with_an_answer_is_a_call_only_below_the_threshold() -> None:
    encode = Axes({})
    stranger = SimilarityDecider(encode, answer_kinds=KINDS, threshold=0.0)
    assert (await stranger.decide(user("?"), (WEATHER,))).call  # 0 lead, threshold 0
    assert not (await SimilarityDecider(encode, answer_kinds=KINDS, threshold=0.01).decide(user("?"), (WEATHER,))).call


class Fixed:
    def __init__(self, call: bool) -> None:
        self.call = call
        self.seen: list[tuple[Sequence[ChatMessage], Sequence[ToolSpec]]] = []

    async def decide(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> AutoDecision:
        self.seen.append((messages, tools))
        return AutoDecision(self.call)


def _auto(text: str = "rain?") -> ChatRequest:
    return ChatRequest(user(text), GenerationParams(max_tokens=64), tools=(WEATHER, EMAIL), tool_choice="auto")


async def test_an_answer_is_written_without_the_tools_in_the_prompt() -> None:
    model = FakeModel("Hello there.")
    service = ChatService(model, get_chat_format("chatml"), decider=Fixed(False))
    result = await service.complete(_auto("hi"))
    assert result.content == "Hello there." and not result.tool_calls and result.finish_reason == "stop"
    prompt, params = model.history[0]
    assert "<tools>" not in prompt and "tool_call" not in prompt and params.grammar is None


async def test_a_call_is_one_call_under_the_tools_grammar() -> None:
    block = '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>'
    model = FakeModel(block)
    decider = Fixed(True)
    service = ChatService(model, get_chat_format("chatml"), decider=decider)
    result = await service.complete(_auto())
    assert [c.name for c in result.tool_calls] == ["get_weather"] and result.finish_reason == "tool_calls"
    prompt, params = model.history[0]
    assert "<tools>" in prompt and params.grammar == tool_call_grammar((WEATHER, EMAIL), parallel=False)
    assert decider.seen[0][0][-1].content == "rain?"  # no probe generation ran first
    assert len(model.history) == 1


async def test_other_choices_never_ask_the_decider() -> None:
    decider = Fixed(True)
    service = ChatService(FakeModel("Sunny."), get_chat_format("chatml"), decider=decider)
    request = _auto()
    await service.complete(ChatRequest(request.messages, request.params, request.tools, tool_choice="none"))
    assert decider.seen == []


async def test_the_answer_after_tool_results_sees_them_in_words_not_in_tool_syntax() -> None:
    model = FakeModel("It is sunny and 21 C.")
    service = ChatService(model, get_chat_format("chatml"), decider=Fixed(False))
    messages = (
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Weather in Paris and Rome?"),
        ChatMessage(
            "assistant",
            tool_calls=(
                ToolCall("c1", "get_weather", '{"city": "Paris"}'),
                ToolCall("c2", "get_weather", '{"city": "Rome"}'),
            ),
        ),  # fmt: skip
        ChatMessage("tool", "Sunny, 21 C", tool_call_id="c1"),
        ChatMessage("tool", "Rain, 12 C", tool_call_id="c2"),
    )
    request = ChatRequest(messages, GenerationParams(max_tokens=64), tools=(WEATHER, EMAIL), tool_choice="auto")
    assert (await service.complete(request)).content == "It is sunny and 21 C."
    prompt, _ = model.history[0]
    # A 135M model shown <tool_response> blocks copied them into its answer (docs/openai.md).
    assert "tool_response" not in prompt and "tool_call" not in prompt and "Be brief." in prompt
    assert "get_weather returned:\nSunny, 21 C\n\nget_weather returned:\nRain, 12 C" in prompt
    assert prompt.rstrip().endswith(
        "Using only that, answer: Weather in Paris and Rome?<|im_end|>\n<|im_start|>assistant"
    )


def test_a_conversation_not_ending_in_tool_results_is_kept() -> None:
    plain = (ChatMessage("user", "hi"), ChatMessage("assistant", "hello"), ChatMessage("user", "bye"))
    assert answer_messages(plain) == plain
    orphan = (ChatMessage("tool", "42", tool_call_id="x"),)  # no call before it: nothing to say it came from
    assert answer_messages(orphan) == orphan


def test_a_learned_rule_weighs_the_request_and_both_similarities(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from tinyagent.chat.auto_rule import LearnedRule

    path = tmp_path / "rule.json"
    coef = [0.0] * 4 + [2.0, -1.0, 0.5]  # a 4-dimensional request vector, then tool, answer, tool - answer
    path.write_text(json.dumps({"vector_id": "v", "coef": coef, "intercept": -0.25}))
    rule = LearnedRule.for_vectors("v", path)
    assert rule is not None and LearnedRule.for_vectors("other vectors", path) is None
    assert rule.lead(np.ones(4), 0.5, 0.25) == pytest.approx(2 * 0.5 - 0.25 + 0.5 * 0.25 - 0.25)


async def test_a_decider_with_a_rule_decides_by_its_log_odds() -> None:
    from tinyagent.chat.auto_rule import LearnedRule

    encode = Axes({"rain in Paris?": "small talk"})  # nearer the answer kind than the tool
    always = LearnedRule("v", np.zeros(19, dtype=np.float32), 1.0)  # 16-dimensional vectors, then three figures
    decision = await SimilarityDecider(encode, answer_kinds=KINDS, rule=always).decide(
        user("rain in Paris?"), (WEATHER,)
    )
    assert decision.call and decision.score == 1.0
    assert not (await SimilarityDecider(encode, answer_kinds=KINDS).decide(user("rain in Paris?"), (WEATHER,))).call


async def test_the_shipped_rule_fits_the_default_embedder_and_its_tuning_sets() -> None:
    """The file bench/fit_auto_rule.py writes is read with the features in the order it was fitted on."""
    from tinyagent.chat.auto_rule import LearnedRule
    from tinyagent.embeddings import Embedder
    from tinyagent.eval import auto_choice as ac
    from tinyagent.models.loaded import embedding_rows

    embedder = Embedder()
    rule = LearnedRule.for_vectors(embedder.vector_id)
    assert rule is not None
    decider = SimilarityDecider(embedding_rows(embedder), rule=rule)
    conversations = ac.load_conversations(ac.split_path("dev3"), ac.load_tools())
    right = [(await decider.decide(c.messages, c.tools)).call == (c.expect is not None) for c in conversations]
    assert sum(right) >= 38  # fitted on these: a mismatch between fit and use falls far below
