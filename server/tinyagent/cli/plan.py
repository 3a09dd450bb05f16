"""``tinyagent plan "query"``: plan with the model in-process (no server) and print the task DAG.

Output is a tree: each task sits under the latest task it depends on (``after`` names the others),
thoughts above their task, ``join()`` last; or, with ``--json``, the same body as ``POST /plan``.
Exit codes: 0 valid plan, 1 invalid plan (errors printed), 2 bad arguments, 3 model not loadable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tinyagent.errors import ModelLoadError, ServiceError
from tinyagent.plans.parser import PlanError
from tinyagent.plans.plan import Task, render_args
from tinyagent.timezones import user_zone
from tinyagent.tools.registry import APPS, TOOL_NAMES

if TYPE_CHECKING:
    from tinyagent.api.plan.protocol import ToolRAGChoice
    from tinyagent.planning.planner import PlanFinished
    from tinyagent.settings import Settings

EXIT_INVALID_PLAN = 1
EXIT_USAGE = 2
EXIT_MODEL = 3


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The plan command's arguments, plus one flag per Settings field (--model, --n-ctx, ...)."""
    from tinyagent.cli.main import add_settings_arguments

    parser.add_argument("query", help="What to plan, e.g. 'Text Sid that I am running late'.")
    parser.add_argument("--json", action="store_true", help="Print the POST /plan response body as JSON.")
    parser.add_argument(
        "--tools", nargs="*", choices=TOOL_NAMES, metavar="TOOL", help="Plan with these tools only (none: join only)."
    )
    parser.add_argument("--apps", nargs="+", choices=APPS, metavar="APP", help="Plan with these apps' tools only.")
    parser.add_argument("--no-grammar", action="store_true", help="Sample freely instead of under the plan grammar.")
    parser.add_argument(
        "--guided",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Fill a plan skeleton from the example bank (default: the model profile's plan style).",
    )
    parser.add_argument("--timezone", help="IANA zone for the prompt's date (default: local).")
    parser.add_argument("--instructions", help="Custom instructions added to the planner prompt.")
    parser.add_argument("--seed", type=int, help="Sample with this seed instead of greedily.")
    parser.add_argument("--max-tokens", type=int, help="Bound on generated tokens (default: the plan's size).")
    add_settings_arguments(parser)
    parser.set_defaults(handler=run_plan)


def add_plan_command(commands: Any) -> None:
    """Register ``plan`` on the ``tinyagent`` subcommands (``commands`` from add_subparsers())."""
    configure_parser(commands.add_parser("plan", help="Plan a query with the model and print the task DAG."))


def plan_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinyagent plan", description=__doc__.splitlines()[0] if __doc__ else None)
    configure_parser(parser)
    return run_plan(parser.parse_args(argv))


def run_plan(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from tinyagent.cli.main import settings_from_args

    try:
        settings = settings_from_args(args)
        finished, model_id, choice = asyncio.run(_plan(settings, args))
    except ValidationError as exc:
        print(f"tinyagent plan: invalid settings:\n{exc}", file=sys.stderr)  # noqa: T201
        return EXIT_USAGE
    except ModelLoadError as exc:
        print(f"tinyagent plan: cannot load the model: {exc.message}", file=sys.stderr)  # noqa: T201
        return EXIT_MODEL
    except ServiceError as exc:
        print(f"tinyagent plan: {exc.message}", file=sys.stderr)  # noqa: T201
        return EXIT_USAGE
    if args.json:
        print(json.dumps(_json_body(finished, args.query, model_id, choice), indent=2, ensure_ascii=False))  # noqa: T201
    else:
        for line in render_report(finished, model_id):
            print(line)  # noqa: T201 - CLI output
    return 0 if finished.valid else EXIT_INVALID_PLAN


async def _plan(settings: Settings, args: argparse.Namespace) -> tuple[PlanFinished, str, ToolRAGChoice | None]:
    from tinyagent.api.plan.serving import toolrag_report
    from tinyagent.embeddings import Embedder
    from tinyagent.models.loaded import load_model
    from tinyagent.planning.prepare import PlanOptions, prepare_plan
    from tinyagent.toolrag.select import LazyToolRAG

    tools = settings.enabled_tools()
    if args.tools is not None or args.apps is not None:
        tools = tools.select(apps=args.apps, tools=args.tools)
    now = datetime.now(user_zone(args.timezone))
    options = PlanOptions.from_settings(
        settings,
        args.query,
        tools,
        now,
        instructions=args.instructions,
        grammar=False if args.no_grammar else None,
        guided=args.guided,
    )
    options = replace(options, seed=args.seed, max_tokens=args.max_tokens)
    model = await load_model(settings, None)
    try:
        prepared = await prepare_plan(
            model,
            options,
            LazyToolRAG(settings, Embedder(settings.embedding_model, backend=settings.embedding_backend)),
        )
        finished = await prepared.planner.plan(prepared.request)
        return finished, model.service.info.id, toolrag_report(prepared)
    finally:
        await model.aclose()


def _json_body(finished: PlanFinished, query: str, model_id: str, choice: ToolRAGChoice | None) -> dict[str, Any]:
    # The API's own serialisation, so `--json` and POST /plan never drift apart.
    from tinyagent.api.plan.serving import finished_response

    return finished_response(finished, query, model_id, choice).model_dump(mode="json")


# --- the tree ------------------------------------------------------------------------------------


def _call(task: Task) -> str:
    return f"{task.id}. {task.tool}({render_args(task.args)})"


def render_tree(tasks: Sequence[Task]) -> list[str]:
    """Tasks indented under the latest task they depend on; join() last, at the top level."""
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        parent = None if task.is_join or not task.depends_on else task.depends_on[-1]
        children.setdefault(parent, []).append(task)
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for task in children.get(parent, []):
            pad = "    " * depth
            if task.thought:
                lines.append(f"{pad}  Thought: {task.thought}")
            others = task.depends_on if task.is_join else task.depends_on[:-1]
            after = f"   (after {', '.join(f'${d}' for d in others)})" if others else ""
            lines.append(f"{pad}{'└─ ' if depth else ''}{_call(task)}{after}")
            walk(task.id, depth + 1)

    walk(None, 0)
    return lines


def _error_line(error: PlanError) -> str:
    return f"  {error.severity.value}: {error}"


def render_report(finished: PlanFinished, model_id: str) -> list[str]:
    total = finished.timings.get("total_s", 0.0)
    status = "valid" if finished.valid else "INVALID"
    lines = [f"Plan ({status}; {model_id}, {total:.2f} s, {finished.usage.completion_tokens} tokens)"]
    lines.extend(render_tree(finished.outcome.tasks))
    if finished.outcome.errors:
        lines.append("Problems:")
        lines.extend(_error_line(e) for e in finished.outcome.errors)
    if not finished.valid:
        lines.append("Raw model output:")
        lines.extend(f"  {line}" for line in finished.raw.splitlines())
    return lines
