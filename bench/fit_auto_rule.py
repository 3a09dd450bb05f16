"""Fit tool_choice "auto"'s learned rule (server/tinyagent/chat/auto_rule.py) on the tuning conversations.

Reads eval/data/auto_dev.jsonl, auto_dev2.jsonl and auto_dev3.jsonl (never the holdout), prints how the
similarity lead rule and the learned rule decide on each set when fitted on the other two, then fits on
all three and writes server/tinyagent/chat/auto_rule.json for the embedder's vectors. No model is loaded.

Usage: python bench/fit_auto_rule.py [--c 10] [--dry-run]
"""

from __future__ import annotations

import argparse
import asyncio
import json

import numpy as np
from sklearn.linear_model import LogisticRegression

from tinyagent.chat.auto import SimilarityDecider, request_text
from tinyagent.chat.auto_rule import RULE_FILE, features
from tinyagent.embeddings import Embedder
from tinyagent.eval import auto_choice as ac
from tinyagent.models.loaded import embedding_rows
from tinyagent.settings import Settings

SETS = ("dev", "dev2", "dev3")


async def rows(embedder: Embedder) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per conversation: the rule's features, whether a tool was expected, its set, and the plain lead, all
    measured by the decider the server uses."""
    decider, tools = SimilarityDecider(embedding_rows(embedder)), ac.load_tools()
    x, y, group, lead = [], [], [], []
    for name in SETS:
        for conv in ac.load_conversations(ac.split_path(name), tools):
            seen = await decider.measure(request_text(conv.messages) or "", conv.tools)
            x.append(features(seen.request, seen.best, seen.answer))
            y.append(conv.expect is not None)
            group.append(name)
            lead.append(seen.lead)
    return np.array(x), np.array(y), np.array(group), np.array(lead)


def fitted(x: np.ndarray, y: np.ndarray, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--c", type=float, default=10.0, help="Inverse regularisation (chosen across the sets).")
    parser.add_argument("--dry-run", action="store_true", help="Print the figures; write nothing.")
    args = parser.parse_args()
    settings = Settings()
    embedder = Embedder(settings.embedding_model, backend=settings.embedding_backend)
    x, y, group, lead = asyncio.run(rows(embedder))
    for held in SETS:
        test = group == held
        model = fitted(x[~test], y[~test], args.c)
        right = int((model.predict(x[test]) == y[test]).sum())
        print(
            f"{held}: lead rule {int(((lead[test] >= 0) == y[test]).sum())}/{test.sum()}, learned {right}/{test.sum()}"
        )
    if args.dry_run:
        return
    model = fitted(x, y, args.c)
    rule = {
        "vector_id": embedder.vector_id,
        "fitted_on": [f"eval/data/auto_{name}.jsonl" for name in SETS],
        "c": args.c,
        "coef": [round(float(v), 7) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 7),
    }
    RULE_FILE.write_text(json.dumps(rule) + "\n", encoding="utf-8")
    print(f"wrote {RULE_FILE}")


if __name__ == "__main__":
    main()
