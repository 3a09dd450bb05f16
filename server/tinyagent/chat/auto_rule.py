"""A learned "call or answer" rule for tool_choice "auto", read from ``auto_rule.json``.

Similarity alone (the best tool's lead over the closest kind of answer) was right for 107 of the 120
tuning conversations, and for 31 of the 40 of a set written later (``auto_dev3``): short requests to
act ("Put on some jazz", "Remind me to renew my passport") sit as close to the answer kinds as to a
tool. A logistic model over the request's own vector and the two similarities separates them better:
fitted on two tuning sets and scored on the third, each in turn, it was right for 115 of 120
(``bench/fit_auto_rule.py`` prints the figures and writes the file). Its weights belong to the vectors
it was fitted on, so it is used only with the same embedder (``vector_id``); others keep the lead rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RULE_FILE = Path(__file__).with_name("auto_rule.json")


@dataclass(frozen=True)
class LearnedRule:
    vector_id: str
    # over the request's vector, then the best tool's and the best answer kind's similarity, and their difference
    coef: np.ndarray
    intercept: float

    @classmethod
    def load(cls, path: Path = RULE_FILE) -> LearnedRule:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["vector_id"], np.asarray(data["coef"], dtype=np.float32), float(data["intercept"]))

    @classmethod
    def for_vectors(cls, vector_id: str, path: Path = RULE_FILE) -> LearnedRule | None:
        """The shipped rule when it was fitted on ``vector_id``'s vectors, else None."""
        rule = cls.load(path)
        return rule if rule.vector_id == vector_id else None

    def lead(self, request: np.ndarray, tool: float, answer: float) -> float:
        """The log-odds that the request wants a tool: above 0, more likely than not."""
        return float(features(request, tool, answer) @ self.coef + self.intercept)


def features(request: np.ndarray, tool: float, answer: float) -> np.ndarray:
    """What the rule reads, for fitting it (``bench/fit_auto_rule.py``)."""
    return np.concatenate([np.asarray(request, dtype=np.float32), [tool, answer, tool - answer]])
