"""Chat formats: how a conversation becomes the prompt text for one model family.

Formats are registered by name (the name a model profile gives) with
``@register_chat_format``. A registered factory receives what the model file
says about its own template (``ModelTemplate``) and returns a formatter.
Tool calls and tool results are rendered as Hermes-style text blocks, the same
text the tool-call grammars make the model write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tinyagent.chat.tool_calls import tool_calls_text, tool_response_block
from tinyagent.chat.types import ChatMessage
from tinyagent.errors import TEMPLATE, InvalidRequest, ModelLoadError, ServiceError

CHATML_STOP = ("<|im_end|>", "<|im_start|>")
ALPACA_STOP = ("### Instruction:", "### Input:")
TRANSCRIPT_STOP = ("\nUser:", "\nTool:", "\nSystem:")


@dataclass(frozen=True)
class RenderedPrompt:
    prompt: str
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelTemplate:
    """What a model file says about its chat format (GGUF ``tokenizer.chat_template`` and tokens)."""

    chat_template: str | None = None
    bos_token: str = ""
    eos_token: str = ""


def model_template_from_metadata(metadata: Mapping[str, str], token_text: Callable[[int], str]) -> ModelTemplate:
    """Reads a GGUF's template and BOS/EOS from ``llama_cpp.Llama.metadata``.

    ``token_text`` maps a token id to its text, e.g. ``llm._model.token_get_text``.
    """

    def token(key: str) -> str:
        token_id = metadata.get(key)
        return token_text(int(token_id)) if token_id is not None and token_id.isdigit() else ""

    return ModelTemplate(
        chat_template=metadata.get("tokenizer.chat_template") or None,
        bos_token=token("tokenizer.ggml.bos_token_id"),
        eos_token=token("tokenizer.ggml.eos_token_id"),
    )


class ChatFormatter(Protocol):
    def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
        """The prompt for the conversation, ending where the assistant's reply begins."""
        ...


ChatFormatFactory = Callable[[ModelTemplate], ChatFormatter]

# Populated by the decorators below at import time, never mutated afterwards.
_REGISTRY: dict[str, ChatFormatFactory] = {}


class UnknownChatFormat(LookupError):
    pass


def register_chat_format(name: str) -> Callable[[ChatFormatFactory], ChatFormatFactory]:
    def register(factory: ChatFormatFactory) -> ChatFormatFactory:
        if name in _REGISTRY:
            raise ValueError(f"Chat format {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return register


def chat_format_names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def get_chat_format(name: str, model: ModelTemplate | None = None) -> ChatFormatter:
    factory = _REGISTRY.get(name)
    if factory is None:
        raise UnknownChatFormat(f"Unknown chat format {name!r}; valid formats: {', '.join(chat_format_names())}")
    return factory(model or ModelTemplate())


def _turns(messages: Sequence[ChatMessage]) -> list[tuple[str, str]]:
    """(role, text) pairs for formats without tool roles: developer is system, tools become blocks."""
    turns = []
    for message in messages:
        if message.role == "assistant":
            turns.append(("assistant", tool_calls_text(message)))
        elif message.role == "tool":
            turns.append(("tool", tool_response_block(message.content)))
        else:
            role = "system" if message.role == "developer" else message.role
            turns.append((role, message.content or ""))
    return turns


# --- chatml -----------------------------------------------------------------------------------------


class ChatMLFormatter:
    def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
        body = "".join(f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in _turns(messages))
        return RenderedPrompt(body + "<|im_start|>assistant\n", CHATML_STOP)


@register_chat_format("chatml")
def _chatml(_model: ModelTemplate) -> ChatFormatter:
    return ChatMLFormatter()


# --- alpaca -----------------------------------------------------------------------------------------


class AlpacaFormatter:
    """TinyAgent's fine-tuning format.

    System text is the instruction and the first user message the input; without a
    system message the first user message is the instruction (Alpaca's no-input
    variant). Later user and tool messages open new Input sections.
    """

    def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
        turns = _turns(messages)
        system = "\n\n".join(text for role, text in turns if role == "system")
        sections: list[tuple[str, str]] = [("Instruction", system)] if system else []
        for role, text in turns:
            if role == "system":
                continue
            heading = "Response" if role == "assistant" else ("Input" if sections else "Instruction")
            if sections and sections[-1][0] == heading:  # consecutive inputs share one section
                sections[-1] = (heading, f"{sections[-1][1]}\n\n{text}")
            else:
                sections.append((heading, text))
        body = "".join(f"### {heading}:\n{text}\n\n" for heading, text in sections)
        return RenderedPrompt(body + "### Response:\n", ALPACA_STOP)


@register_chat_format("alpaca")
def _alpaca(_model: ModelTemplate) -> ChatFormatter:
    return AlpacaFormatter()


# --- gemma-base -------------------------------------------------------------------------------------


class TranscriptFormatter:
    """A plain "Speaker: text" transcript for base models that were never taught a chat format."""

    def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
        body = "".join(f"{role.capitalize()}: {text}\n" for role, text in _turns(messages))
        return RenderedPrompt(body + "Assistant:", TRANSCRIPT_STOP)


@register_chat_format("gemma-base")
def _gemma_base(_model: ModelTemplate) -> ChatFormatter:
    return TranscriptFormatter()


# --- jinja ------------------------------------------------------------------------------------------


class _TemplateRaised(Exception):
    """raise_exception() in a template: it rejected the conversation."""


def _raise_exception(message: str) -> NoReturn:
    raise _TemplateRaised(message)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False, sort_keys: bool = False) -> str:
    # Hugging Face's variant: jinja2's own tojson HTML-escapes '<' and '>', which would change the prompt.
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


def _sandbox() -> ImmutableSandboxedEnvironment:
    # A GGUF's template is untrusted code: never render it outside this sandbox.
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"], autoescape=False
    )
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    env.filters["tojson"] = _tojson
    return env


class JinjaFormatter:
    """Renders a model's own chat template.

    Tools are described in the system prompt and tool calls folded into message
    text, rather than passed as ``tools``/``tool_calls``, because templates format
    those in their own ways and the parser reads only the block format.
    """

    def __init__(self, template: str, *, bos_token: str = "", eos_token: str = "") -> None:
        try:
            self._template = _sandbox().from_string(template)
        except jinja2.TemplateError as exc:
            raise ModelLoadError(f"The model's chat template does not compile: {exc}") from exc
        self._bos_token = bos_token
        self._eos_token = eos_token

    def render(self, messages: Sequence[ChatMessage]) -> RenderedPrompt:
        try:
            prompt = self._template.render(
                messages=[_template_message(m) for m in messages],
                add_generation_prompt=True,
                bos_token=self._bos_token,
                eos_token=self._eos_token,
            )
        except _TemplateRaised as exc:
            raise InvalidRequest(
                f"The model's chat template rejected the messages: {exc}", param="messages", code=TEMPLATE
            ) from None
        except jinja2.TemplateError as exc:  # includes SecurityError from the sandbox
            raise ServiceError(f"The model's chat template failed: {exc}") from exc
        # The backend's tokenizer adds BOS itself; keeping the template's would double it.
        if self._bos_token and prompt.startswith(self._bos_token):
            prompt = prompt[len(self._bos_token) :]
        return RenderedPrompt(prompt, (self._eos_token,) if self._eos_token else ())


def _template_message(message: ChatMessage) -> dict[str, str]:
    if message.role == "assistant":
        return {"role": "assistant", "content": tool_calls_text(message)}
    if message.role == "tool":
        return {"role": "tool", "content": tool_response_block(message.content)}
    role = "system" if message.role == "developer" else message.role
    return {"role": role, "content": message.content or ""}


@register_chat_format("jinja")
def _jinja(model: ModelTemplate) -> ChatFormatter:
    if not model.chat_template:  # a GGUF without a template: ChatML is the commonest convention
        return ChatMLFormatter()
    return JinjaFormatter(model.chat_template, bos_token=model.bos_token, eos_token=model.eos_token)
