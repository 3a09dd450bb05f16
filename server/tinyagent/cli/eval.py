"""``tinyagent eval``: the graph-isomorphism success rate of a model (or a predictions file) on a dataset.

    tinyagent eval [--data FILE] [--model M] [--predictions FILE] [--json OUT] [--limit N]
                   [--grammar/--no-grammar] [--toolrag/--no-toolrag] [--guided/--no-guided]
                   [--seed S] [--now ISO]
                   [--upstream-compat] [--max-tokens N] [any server setting, e.g. --n-threads 2]

``--data`` defaults to the bundled dev set. With ``--predictions`` (JSON Lines of {"query", "plan"})
no model is loaded. Exit codes: 0 done, 2 bad arguments or data, 3 model not loadable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tinyagent.errors import ModelLoadError, ServiceError
from tinyagent.eval.data import Dataset, dev_set_path, load_dataset, load_predictions
from tinyagent.eval.runner import (
    DEFAULT_NOW,
    QueryResult,
    generate_one,
    report,
    score_predictions,
)
from tinyagent.plans.grammar import PlanGrammarOptions
from tinyagent.tools.registry import ToolSet

if TYPE_CHECKING:
    from tinyagent.settings import Settings

EXIT_USAGE = 2
EXIT_MODEL = 3
# The longest dev-set plan is ~150 tokens; the cap stops a model that never writes join() early.
DEFAULT_MAX_TOKENS = 256

T = TypeVar("T")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field (--model, --n-threads, ...), then the eval's own flags.

    The parser must use ``conflict_handler="resolve"``: where a setting and an eval flag share a
    name (``--toolrag``), the eval's wins, so its defaults stay explicit and reproducible.
    """
    from tinyagent.cli.main import add_settings_arguments

    add_settings_arguments(parser)
    parser.add_argument(
        "--data", type=Path, help="testing_data.json or JSON Lines of {query, plan} (default: dev set)."
    )
    parser.add_argument("--predictions", type=Path, help="Score this JSON Lines file of {query, plan}; no model.")
    parser.add_argument("--json", dest="json_out", type=Path, help="Write per-query results and the summary here.")
    parser.add_argument("--limit", type=int, help="Only the first N examples.")
    parser.add_argument("--grammar", action=argparse.BooleanOptionalAction, default=True, help="Plan grammar on.")
    parser.add_argument(
        "--toolrag",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="Select tools and examples with ToolRAG.",
    )
    _add_guided_flags(parser)
    parser.add_argument("--seed", type=int, help="Sample with this seed instead of greedily.")
    parser.add_argument(
        "--now", type=datetime.fromisoformat, default=DEFAULT_NOW, help="The prompt's date (ISO; default %(default)s)."
    )
    parser.add_argument(
        "--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="Token cap per plan, 0 = none (default %(default)s)."
    )
    parser.add_argument(
        "--max-plan-lines", type=int, help="Grammar bound on plan lines, join() included (default: the planner's)."
    )
    parser.add_argument(
        "--upstream-compat",
        action="store_true",
        help="Headline success rate with upstream's exact reference semantics.",
    )
    parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
    parser.set_defaults(handler=run_eval)


def _add_guided_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guided",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Fill plan skeletons from the example bank (default: the model profile's plan style).",
    )
    parser.add_argument(
        "--fill",
        type=_fills,
        default=None,
        metavar="KINDS",
        help="Guided plans: argument kinds computed from the request, comma-separated among dates, entities, "
        "numbers, bodies, or 'none' (default: all).",
    )


def _fills(text: str) -> frozenset[str]:
    from tinyagent.plans.skeleton import FILLS

    kinds = frozenset() if text.strip() == "none" else frozenset(k.strip() for k in text.split(",") if k.strip())
    if kinds - FILLS:
        raise argparse.ArgumentTypeError(f"unknown kinds {sorted(kinds - FILLS)}; known: {', '.join(sorted(FILLS))}")
    return kinds


def add_eval_command(commands: Any) -> None:
    """Register ``eval`` on the ``tinyagent`` subcommands (``commands`` from add_subparsers())."""
    help_text = "Score a model or a predictions file on a plan dataset."
    configure_parser(commands.add_parser("eval", help=help_text, conflict_handler="resolve"))


def eval_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tinyagent eval", description=(__doc__ or "").splitlines()[0], conflict_handler="resolve"
    )
    configure_parser(parser)
    return run_eval(parser.parse_args(argv))


def _fail(message: str, code: int) -> int:
    print(f"tinyagent eval: {message}", file=sys.stderr)  # noqa: T201 - CLI output
    return code


def run_eval(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        mcp = asyncio.run(mcp_tools(_settings(args)))
        dataset = load_dataset(args.data or dev_set_path(), mcp.tools if mcp else None).limited(args.limit)
        if args.predictions is not None:
            model_id = None
            results = score_predictions(dataset, load_predictions(args.predictions), _progress_fn(args))
        else:
            results, model_id = asyncio.run(_generate_all(dataset, args, mcp))
    except (OSError, ValueError) as exc:  # unreadable or malformed data / predictions, bad settings
        return _fail(str(exc) if not isinstance(exc, ValidationError) else f"invalid settings:\n{exc}", EXIT_USAGE)
    except ModelLoadError as exc:
        return _fail(f"cannot load the model: {exc.message}", EXIT_MODEL)
    except ServiceError as exc:
        return _fail(exc.message, EXIT_USAGE)
    lines, document = report(results, upstream_compat=args.upstream_compat, meta=_meta(args, dataset, model_id))
    for line in [*_header(dataset, model_id, args), *lines]:
        print(line)  # noqa: T201 - CLI output
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _header(dataset: Dataset, model_id: str | None, args: argparse.Namespace) -> list[str]:
    source = f"predictions {args.predictions}" if model_id is None else f"model {model_id}"
    mode = (
        ""
        if model_id is None
        else f", grammar {'on' if args.grammar else 'off'}, toolrag {'on' if args.toolrag else 'off'}"
        f", guided {'on' if args.guided else 'off'}"
    )
    return [f"Dataset: {dataset.describe()}", f"Scoring {source}{mode}", ""]


def _meta(args: argparse.Namespace, dataset: Dataset, model_id: str | None) -> dict[str, Any]:
    return {
        "config": {
            "data": str(dataset.source),
            "predictions": str(args.predictions) if args.predictions else None,
            "model": model_id,
            "grammar": args.grammar,
            "toolrag": args.toolrag,
            "guided": args.guided,
            "fill": sorted(args.fill) if args.fill is not None else "all",
            "seed": args.seed,
            "now": args.now.isoformat(sep=" "),
            "max_tokens": args.max_tokens,
            "max_plan_lines": args.max_plan_lines,
            "limit": args.limit,
            "upstream_compat": args.upstream_compat,
        },
        "dataset": {
            "examples": len(dataset.examples),
            "records": dataset.records,
            "without_plan": dataset.without_plan,
            "invalid_reference": dataset.invalid,
            "unknown_tools": dataset.unknown_tools,
            "problems": list(dataset.problems),
        },
    }


def _progress_fn(args: argparse.Namespace) -> Callable[[Iterable[T]], Iterable[T]]:
    from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs

    def wrap(items: Iterable[T]) -> Iterable[T]:
        wrapped: Iterable[T] = tqdm(items, desc="scoring", unit="query", disable=args.no_progress)
        return wrapped

    return wrap


def _settings(args: argparse.Namespace) -> Settings:
    from tinyagent.cli.main import settings_from_args

    return settings_from_args(args)


@dataclass(frozen=True)
class McpTools:
    """What an evaluation over MCP servers plans with: every tool, the enabled ones, the examples."""

    tools: ToolSet  # the sixteen and the servers' tools: what references and plans may call
    enabled: ToolSet
    examples: tuple[tuple[str, str], ...]

    async def extras(self) -> tuple[ToolSet, tuple[tuple[str, str], ...]]:
        return self.tools, self.examples


async def mcp_tools(settings: Settings) -> McpTools | None:
    """The tools and examples of the settings' MCP servers (started, listed, stopped); None without a config."""
    from tinyagent.runtime import listed_mcp

    if settings.mcp_config is None:
        return None
    hub, servers = await listed_mcp(settings)
    for server in servers:
        if server["state"] != "ready" or server["examples_error"]:
            print(f"tinyagent eval: MCP server {server['name']}: {server['error'] or server['examples_error']}")  # noqa: T201
    examples = tuple((e.query, e.plan) for e in hub.examples)
    return McpTools(hub.toolset(ToolSet.all()), hub.toolset(settings.enabled_tools()), examples)


async def _generate_all(
    dataset: Dataset, args: argparse.Namespace, mcp: McpTools | None = None
) -> tuple[list[QueryResult], str]:
    from tqdm import tqdm

    from tinyagent.embeddings import Embedder
    from tinyagent.models.loaded import load_model
    from tinyagent.planning.prepare import PlanOptions, PreparedPlan, prepare_plan
    from tinyagent.toolrag.select import LazyToolRAG

    settings = _settings(args)
    enabled = mcp.enabled if mcp is not None else settings.enabled_tools()
    base = PlanOptions.from_settings(
        settings, "", enabled, args.now, grammar=args.grammar, toolrag=args.toolrag, guided=args.guided
    )
    # 0 = no cap of our own: the planner then bounds the plan by the grammar and the context.
    grammar = PlanGrammarOptions(max_lines=args.max_plan_lines) if args.max_plan_lines else None
    base = replace(base, seed=args.seed, max_tokens=args.max_tokens or None, grammar_options=grammar)
    if args.fill is not None:
        base = replace(base, fill=args.fill)
    model = await load_model(settings, None)
    if args.guided is None:  # for the report: what the preparation will choose
        args.guided = model.profile.plan_style == "guided"
    toolrag = LazyToolRAG(
        settings,
        Embedder(settings.embedding_model, backend=settings.embedding_backend),
        mcp.extras if mcp is not None else None,
    )

    def prepare(query: str) -> Awaitable[PreparedPlan]:
        return prepare_plan(model, replace(base, query=query), toolrag)

    try:
        results: list[QueryResult] = []
        with tqdm(total=len(dataset.examples), desc="planning", unit="query", disable=args.no_progress) as bar:
            for example in dataset.examples:
                results.append(await generate_one(example, prepare, mcp.tools if mcp is not None else None))
                bar.update(1)
                bar.set_postfix(success=f"{sum(r.score.success for r in results)}/{len(results)}")
        return results, model.service.info.id
    finally:
        await model.aclose()


if __name__ == "__main__":
    sys.exit(eval_main())
