"""The model-side half of ``summarize_pdf``: workers return the PDF's text, the server summarises it.

Upstream's PDFSummarizerAgent truncates the text to the context with a 500-token margin; here the
text is cut by characters first (a 1 MB PDF must not be tokenised whole) and then, if the
tokenizer says it still does not fit, shortened proportionally until it does.
"""

from __future__ import annotations

from tinyagent.chat.types import ChatMessage
from tinyagent.inference.types import GenerationParams, TextDelta
from tinyagent.models.loaded import LoadedModel

SUMMARY_MAX_TOKENS = 200
PROMPT_MARGIN_TOKENS = 64
# Upper bound of characters per token for ordinary text; only used for the first cut.
CHARS_PER_TOKEN = 4
NO_MODEL_CHARS = 2000
SYSTEM = (
    "You are an expert PDF summarizer agent. Summarize the document below in a few sentences, "
    "keeping names, dates and numbers."
)


def _prompt(model: LoadedModel, document: str) -> tuple[str, tuple[str, ...]]:
    messages = [ChatMessage(role="system", content=SYSTEM), ChatMessage(role="user", content=f"Document:\n{document}")]
    rendered = model.formatter.render(messages)
    return rendered.prompt, tuple(dict.fromkeys((*rendered.stop, *model.stop)))


async def _fitting_prompt(model: LoadedModel, text: str) -> tuple[str, tuple[str, ...]]:
    # A remote that does not say its context length: assume the profile's (4096 for unknown models).
    context = model.service.info.context_length or model.profile.context_length
    budget = context - SUMMARY_MAX_TOKENS - PROMPT_MARGIN_TOKENS
    document = " ".join(text.split())[: max(budget, 1) * CHARS_PER_TOKEN]
    prompt, stops = _prompt(model, document)
    for _ in range(6):
        used = await model.service.count_tokens(prompt)
        if used <= budget or not document:
            break
        document = document[: int(len(document) * budget / used * 0.9)]
        prompt, stops = _prompt(model, document)
    return prompt, stops


async def summarize_text(model: LoadedModel | None, text: str) -> str:
    """A short summary of ``text`` by the model; without a model, the beginning of the text."""
    if model is None:
        return " ".join(text.split())[:NO_MODEL_CHARS]
    prompt, stops = await _fitting_prompt(model, text)
    params = GenerationParams(max_tokens=SUMMARY_MAX_TOKENS, temperature=0.0, stop=stops)
    parts: list[str] = []
    events = model.service.generate(prompt, params)
    try:
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    return "".join(parts).strip()
