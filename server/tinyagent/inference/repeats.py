"""A guard against the loops a small model falls into inside a string: DRY, "don't repeat yourself".

Greedy decoding of the 135M model can write a tool call's string until max_tokens ("SMS@SMS@SMS@...",
issue 17), and the unfinished call is dropped: the client gets neither a call nor an answer. DRY lowers
the logit of a token by how long a run of the reply it would repeat: continuing a repeat of n >= ALLOWED
tokens costs MULTIPLIER * BASE ** (n - ALLOWED). Only the reply is compared, never the prompt: copying the
request's words is what a call should do. Quotes, newlines and colons end runs, so the repeated structure
of JSON ('", "') is never a repeat. It is llama.cpp's DRY sampler (by p-e-w, text-generation-webui #5677,
defaults 0.8 / 1.75 / 2), which llama-cpp-python's completion call does not expose; this is the same rule
as a logits processor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

MULTIPLIER = 0.8
BASE = 1.75
ALLOWED = 2
BREAKERS = ('"', "\n", ":", "*")


class RepeatGuard:
    """A llama-cpp-python logits processor for one completion; ``start`` is the prompt's length in tokens."""

    def __init__(self, start: int, piece: Callable[[int], str], multiplier: float = MULTIPLIER) -> None:
        self.start, self.piece, self.multiplier = start, piece, multiplier
        self._breaks: dict[int, bool] = {}

    def __call__(self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]) -> npt.NDArray[np.single]:
        for token, run in self.repeats([int(t) for t in input_ids[self.start :]]).items():
            scores[token] -= self.multiplier * BASE ** (run - ALLOWED)
        return scores

    def repeats(self, reply: list[int]) -> dict[int, int]:
        """Each token that would continue a repeat, and the longest such repeat's length."""
        found: dict[int, int] = {}
        end = len(reply)
        for j in range(1, end):  # reply[j] followed reply[:j]; does reply[:j] end as the reply does?
            run = 0
            while run < j and reply[j - 1 - run] == reply[end - 1 - run] and not self._breaker(reply[end - 1 - run]):
                run += 1
            if run >= ALLOWED:
                found[reply[j]] = max(found.get(reply[j], 0), run)
        return found

    def _breaker(self, token: int) -> bool:
        if token not in self._breaks:
            self._breaks[token] = any(b in self.piece(token) for b in BREAKERS)
        return self._breaks[token]
