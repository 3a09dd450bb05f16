"""The prompt cache's saved states, made to cost what they count (llama_backend.py uses both)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from llama_cpp.llama import Llama, LlamaState
from llama_cpp.llama_cache import LlamaRAMCache


class LeanStateLlama(Llama):
    """Llama whose prompt-cache save and restore leave the logits buffer alone.

    The buffer is n_batch x n_vocab floats (100 MB for SmolLM2's 49k vocabulary,
    512 MB for Gemma 3's 262k). Stock save_state copies it into every saved
    state, and load_state writes and scans all of it, paging in memory that
    plain generation never touches (measured: +1.2 GB RSS for a 512 MB cache on
    Gemma). Those logits are never read back: after load_state llama
    re-evaluates at least one token and samples from the context's fresh logits.
    """

    def save_state(self) -> LlamaState:
        with self._one_row_of_scores():
            return super().save_state()

    def load_state(self, state: LlamaState) -> None:
        with self._one_row_of_scores():
            super().load_state(state)

    @contextlib.contextmanager
    def _one_row_of_scores(self) -> Iterator[None]:
        full = self.scores
        self.scores = full[:1]
        try:
            yield
        finally:
            self.scores = full


class PromptCache(LlamaRAMCache):
    """LlamaRAMCache that counts all of a saved state against its capacity, not just the KV bytes."""

    @property
    def cache_size(self) -> int:
        return sum(
            int(s.llama_state_size) + int(s.scores.nbytes) + int(s.input_ids.nbytes) for s in self.cache_state.values()
        )
