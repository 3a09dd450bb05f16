"""Chat formats: golden prompts for a conversation with tool calls, the registry and the jinja sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import llama_cpp
import pytest

from gguf_factory import CHAT_TEMPLATE
from tinyagent.chat import formats
from tinyagent.chat.formats import (
    ChatFormatter,
    ChatMLFormatter,
    JinjaFormatter,
    ModelTemplate,
    RenderedPrompt,
    UnknownChatFormat,
    chat_format_names,
    get_chat_format,
    model_template_from_metadata,
    register_chat_format,
)
from tinyagent.chat.types import ChatMessage, ToolCall
from tinyagent.errors import InvalidRequest, ModelLoadError, ServiceError

CONVERSATION = (
    ChatMessage("system", "You are terse."),
    ChatMessage("user", "Weather in Paris?"),
    ChatMessage("assistant", None, tool_calls=(ToolCall("call_1", "get_weather", '{"city": "Paris"}'),)),
    ChatMessage("tool", '{"temp": 18}', tool_call_id="call_1"),
)

CALL_BLOCK = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
RESPONSE_BLOCK = '<tool_response>\n{"temp": 18}\n</tool_response>'

GOLDEN = {
    "chatml": (
        "<|im_start|>system\nYou are terse.<|im_end|>\n"
        "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
        f"<|im_start|>assistant\n{CALL_BLOCK}<|im_end|>\n"
        f"<|im_start|>tool\n{RESPONSE_BLOCK}<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    "alpaca": (
        "### Instruction:\nYou are terse.\n\n"
        "### Input:\nWeather in Paris?\n\n"
        f"### Response:\n{CALL_BLOCK}\n\n"
        f"### Input:\n{RESPONSE_BLOCK}\n\n"
        "### Response:\n"
    ),
    "gemma-base": (
        f"System: You are terse.\nUser: Weather in Paris?\nAssistant: {CALL_BLOCK}\nTool: {RESPONSE_BLOCK}\nAssistant:"
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_builtin_formats_render_golden_prompts(name: str) -> None:
    assert get_chat_format(name).render(CONVERSATION).prompt == GOLDEN[name]


def test_stops_end_the_turn() -> None:
    assert "<|im_end|>" in get_chat_format("chatml").render(CONVERSATION).stop
    assert "### Input:" in get_chat_format("alpaca").render(CONVERSATION).stop
    assert "\nUser:" in get_chat_format("gemma-base").render(CONVERSATION).stop


def test_jinja_renders_the_gguf_template() -> None:
    formatter = get_chat_format("jinja", ModelTemplate(CHAT_TEMPLATE, bos_token="<s>", eos_token="<|im_end|>"))
    assert isinstance(formatter, JinjaFormatter)
    rendered = formatter.render(CONVERSATION)
    assert rendered.prompt == GOLDEN["chatml"]  # this template is ChatML
    assert rendered.stop == ("<|im_end|>",)


def test_model_template_comes_from_the_gguf(tiny_gguf: Path) -> None:
    llm = llama_cpp.Llama(str(tiny_gguf), vocab_only=True, verbose=False)
    try:
        model = model_template_from_metadata(llm.metadata, llm._model.token_get_text)
    finally:
        llm.close()
    assert model == ModelTemplate(CHAT_TEMPLATE, bos_token="<s>", eos_token="<|im_end|>")
    assert model_template_from_metadata({}, str) == ModelTemplate()


def test_jinja_without_a_template_falls_back_to_chatml() -> None:
    assert isinstance(get_chat_format("jinja"), ChatMLFormatter)
    assert isinstance(get_chat_format("jinja", ModelTemplate(None, eos_token="</s>")), ChatMLFormatter)


def test_assistant_text_and_calls_render_together() -> None:
    message = ChatMessage("assistant", "Checking.", tool_calls=CONVERSATION[2].tool_calls * 2)
    prompt = get_chat_format("chatml").render((message,)).prompt
    assert prompt.startswith(f"<|im_start|>assistant\nChecking.\n{CALL_BLOCK}\n{CALL_BLOCK}<|im_end|>\n")


def test_developer_is_system_and_alpaca_without_system_uses_instruction() -> None:
    messages = (ChatMessage("developer", "D"), ChatMessage("user", "U"))
    assert get_chat_format("chatml").render(messages).prompt.startswith("<|im_start|>system\nD<|im_end|>\n")
    alpaca = get_chat_format("alpaca")
    assert alpaca.render(messages[1:]).prompt == "### Instruction:\nU\n\n### Response:\n"
    multi = (*messages, ChatMessage("assistant", "A"), ChatMessage("user", "U2"), ChatMessage("user", "U3"))
    assert alpaca.render(multi).prompt == (
        "### Instruction:\nD\n\n### Input:\nU\n\n### Response:\nA\n\n### Input:\nU2\n\nU3\n\n### Response:\n"
    )


# --- registry ---------------------------------------------------------------------------------------


def test_registry_lists_the_profile_formats() -> None:
    assert {"chatml", "alpaca", "gemma-base", "jinja"} <= set(chat_format_names())


def test_unknown_format_error_lists_valid_names() -> None:
    with pytest.raises(UnknownChatFormat) as err:
        get_chat_format("llama-9")
    for name in ("chatml", "alpaca", "gemma-base", "jinja"):
        assert name in str(err.value)


def test_registry_refuses_duplicates() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_chat_format("chatml")(lambda _model: ChatMLFormatter())


def test_registered_factories_get_the_model_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "_REGISTRY", dict(formats._REGISTRY))  # keep the real one clean

    class Echo:
        def __init__(self, model: ModelTemplate) -> None:
            self.model = model

        def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
            return RenderedPrompt(f"{self.model.bos_token}{len(messages)}")

    @register_chat_format("echo")
    def _echo(model: ModelTemplate) -> ChatFormatter:
        return Echo(model)

    assert get_chat_format("echo", ModelTemplate(bos_token="B")).render(CONVERSATION).prompt == "B4"


# --- jinja sandbox ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ messages.__class__.__init__.__globals__ }}",
        "{{ raise_exception.__globals__['os'] }}",
        "{% set x = messages.append({'role': 'user'}) %}{{ x }}",  # immutable sandbox: no mutation
    ],
)
def test_jinja_sandbox_refuses_escapes(template: str) -> None:
    with pytest.raises(ServiceError) as err:
        JinjaFormatter(template).render(CONVERSATION)
    assert type(err.value) is ServiceError and err.value.status_code == 500


def test_template_raise_exception_is_a_bad_request() -> None:
    template = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('No system role') }}{% endif %}"
    with pytest.raises(InvalidRequest, match="No system role") as err:
        JinjaFormatter(template).render(CONVERSATION)
    assert err.value.param == "messages"


def test_template_that_does_not_compile_is_a_load_error() -> None:
    with pytest.raises(ModelLoadError):
        JinjaFormatter("{% for %}")


def test_template_helpers_and_tokens() -> None:
    template = (
        "{{ bos_token }}{{ strftime_now('%Y') }}|{{ messages[0] | tojson }}|"
        "{% for m in messages %}{% if loop.index > 1 %}{% break %}{% endif %}{{ m.role }}{% endfor %}"
        "{% if add_generation_prompt %}>{% endif %}{{ eos_token }}"
    )
    rendered = JinjaFormatter(template, bos_token="<s>", eos_token="</s>").render(
        (ChatMessage("user", "<b>é</b>"), ChatMessage("user", "x"))
    )
    year = str(datetime.now().year)
    # BOS is left to the tokenizer; tojson keeps '<' and non-ASCII as they are.
    assert rendered.prompt == f'{year}|{{"role": "user", "content": "<b>é</b>"}}|user></s>'
