"""Guards on streamed reply text: leading blanks dropped, stop sequences found across chunks."""

from __future__ import annotations

from collections.abc import Sequence

from tinyagent.chat.tool_calls import partial_suffix


class LeadTrimmer:
    """Drops whitespace before the first visible character (transcript prompts end in "Assistant:")."""

    def __init__(self) -> None:
        self._started = False

    def __call__(self, text: str) -> str:
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text


class StopGuard:
    """Finds stop sequences in streamed text, holding back what may be the start of one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._held = ""

    def push(self, text: str) -> tuple[str, bool]:
        """The text safe to show, and whether a stop sequence was found (nothing after it shows)."""
        text = self._held + text
        hits = [i for i in (text.find(s) for s in self._stops) if i >= 0]
        if hits:
            self._held = ""
            return text[: min(hits)], True
        keep = max((len(partial_suffix(text, s)) for s in self._stops), default=0)
        self._held = text[len(text) - keep :]
        return text[: len(text) - keep], False

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held
