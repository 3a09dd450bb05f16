"""``tinyagent eval-tools``: how often tool_choice "auto" decides right (call a tool, or answer).

    tinyagent eval-tools [--split dev|holdout] [--data FILE] [--decider profile|model|similarity|lead]
                         [--threshold T] [--json OUT] [any server setting]

Conversations (eval/data/auto_*.jsonl) offer three tools each; half need one of them. The holdout
split is for reporting only: thresholds are chosen on dev. Exit codes: 0 done, 2 bad arguments,
3 model not loadable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinyagent.errors import ModelLoadError, ServiceError

EXIT_USAGE = 2
EXIT_MODEL = 3


def build_parser() -> argparse.ArgumentParser:
    from tinyagent.chat.auto import DEFAULT_THRESHOLD
    from tinyagent.cli.main import add_settings_arguments

    parser = argparse.ArgumentParser(prog="tinyagent eval-tools", description=(__doc__ or "").splitlines()[0])
    add_settings_arguments(parser)
    parser.add_argument("--split", choices=("dev", "holdout"), default="dev", help="Bundled conversations.")
    parser.add_argument("--data", type=Path, help="JSON Lines of {messages, tools, expect} instead of a split.")
    parser.add_argument(
        "--decider",
        choices=("profile", "model", "similarity", "lead"),
        default="profile",
        help="Who decides: the model profile's choice (default), the model's first tokens, similarity with the"
        " learned rule (when fitted on this embedder), or similarity's lead alone.",
    )
    parser.add_argument(
        "--threshold", type=float, default=DEFAULT_THRESHOLD, help="Lead (or log-odds, learned) needed to call."
    )
    parser.add_argument("--json", dest="json_out", type=Path, help="Per-conversation outcomes and the summary.")
    return parser


def eval_tools_main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        document = asyncio.run(_evaluate(args))
    except (OSError, ValueError) as exc:
        print(f"tinyagent eval-tools: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return EXIT_USAGE
    except ModelLoadError as exc:
        print(f"tinyagent eval-tools: cannot load the model: {exc.message}", file=sys.stderr)  # noqa: T201
        return EXIT_MODEL
    except ServiceError as exc:
        print(f"tinyagent eval-tools: {exc.message}", file=sys.stderr)  # noqa: T201
        return EXIT_USAGE
    from tinyagent.eval.auto_choice import report_lines

    for line in [f"{document['data']}: decider {document['decider']}", *report_lines(document["summary"])]:
        print(line)  # noqa: T201 - CLI output
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


async def _evaluate(args: argparse.Namespace) -> dict[str, Any]:
    from tinyagent.chat.auto import SimilarityDecider
    from tinyagent.chat.auto_rule import LearnedRule
    from tinyagent.chat.service import ChatService
    from tinyagent.cli.main import settings_from_args
    from tinyagent.embeddings import Embedder
    from tinyagent.eval import auto_choice as ac
    from tinyagent.models.loaded import embedding_rows, load_model

    path = args.data or ac.split_path(args.split)
    conversations = ac.load_conversations(path, ac.load_tools())
    settings = settings_from_args(args)
    model = await load_model(settings, None)
    decider_name = model.profile.auto_choice if args.decider == "profile" else args.decider
    embedder = Embedder(settings.embedding_model, backend=settings.embedding_backend)
    rule = LearnedRule.for_vectors(embedder.vector_id) if decider_name == "similarity" else None
    decider = SimilarityDecider(embedding_rows(embedder), threshold=args.threshold, rule=rule)
    chat = ChatService(
        model.service,
        model.formatter,
        stop=model.stop,
        decider=decider if decider_name in ("similarity", "lead") else None,
        call_repeat_guard=model.profile.call_repeat_guard,
    )
    try:
        outcomes = [await ac.run_conversation(chat.complete, c, time.perf_counter) for c in conversations]
    finally:
        await model.aclose()
    return {
        "data": str(path),
        "model": model.service.info.id,
        "decider": _label(decider_name, rule is not None, args.threshold),
        "summary": ac.summary(outcomes),
        "outcomes": [_outcome(o) for o in outcomes],
    }


def _outcome(outcome: Any) -> dict[str, Any]:
    return {
        "request": outcome.conversation.messages[-1].content,
        "expect": outcome.conversation.expect,
        "calls": [{"name": n, "arguments": a} for n, a in outcome.calls],
        "content": outcome.content,
        "decided_right": outcome.decided_right,
        "arguments_valid": outcome.arguments_valid,
        "leaked": outcome.leaked,
    }


def _label(decider: str, learned: bool, threshold: float) -> str:
    if decider == "model":
        return decider
    return f"similarity, {'learned rule' if learned else 'lead'} {threshold}"
