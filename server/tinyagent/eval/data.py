"""Evaluation data: TinyAgent-dataset's testing_data.json, JSON Lines datasets and predictions.

A dataset is a list of (query, reference plan text). References must be valid plans for the 16
tools; rows that are not are skipped and counted (never silently dropped), with unknown tool
names tallied separately since they mean the data targets a different tool set.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tinyagent.eval.metric import reference_plan, upstream_calls
from tinyagent.tools.registry import ToolSet

# How many problem messages a Dataset keeps for the report; the counts are always complete.
_MAX_PROBLEMS = 20


def normalize_query(query: str) -> str:
    """Case-, whitespace- and end-punctuation-insensitive form used to match and de-duplicate queries."""
    return re.sub(r"\s+", " ", query).strip().rstrip(".!?").strip().casefold()


@dataclass(frozen=True)
class Example:
    query: str
    plan: str
    id: str = ""


@dataclass(frozen=True)
class Dataset:
    """Loaded examples plus what was skipped and why."""

    source: str
    examples: tuple[Example, ...]
    records: int
    without_plan: int = 0
    invalid: int = 0
    unknown_tools: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def limited(self, limit: int | None) -> Dataset:
        if limit is None:
            return self
        return Dataset(
            self.source,
            self.examples[:limit],
            self.records,
            self.without_plan,
            self.invalid,
            self.unknown_tools,
            self.problems,
        )

    def describe(self) -> str:
        unknown = ", ".join(f"{name} x{count}" for name, count in sorted(self.unknown_tools.items()))
        parts = [f"{len(self.examples)} examples from {self.records} records in {self.source}"]
        if self.without_plan:
            parts.append(f"{self.without_plan} without a plan output skipped")
        if self.invalid:
            parts.append(f"{self.invalid} with an invalid reference plan skipped")
        if unknown:
            parts.append(f"unknown tools in references: {unknown}")
        return "; ".join(parts)


@dataclass
class _Collector:
    """Accumulates examples and skip counts while one file loads."""

    examples: list[Example] = field(default_factory=list)
    records: int = 0
    without_plan: int = 0
    invalid: int = 0
    unknown: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    tools: ToolSet = field(default_factory=ToolSet.all)  # the sixteen, and MCP tools for an MCP set

    def problem(self, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(message)

    def add(self, query: str, plan: str, id_: str) -> None:
        unknown = [tool for tool, _ in upstream_calls(plan) if tool not in self.tools and tool != "join"]
        self.unknown.update(unknown)
        try:
            reference_plan(plan, self.tools)
        except ValueError as exc:
            self.invalid += 1
            self.problem(f"{id_}: {exc}")
            return
        self.examples.append(Example(query, plan, id_))

    def dataset(self, source: str) -> Dataset:
        return Dataset(
            source,
            tuple(self.examples),
            self.records,
            self.without_plan,
            self.invalid,
            dict(self.unknown),
            tuple(self.problems),
        )


def _first_plan_output(record: dict[str, Any]) -> str | None:
    for output in record.get("output") or ():
        if isinstance(output, dict) and output.get("type") == "plan":
            raw = output.get("raw_output")
            return raw if isinstance(raw, str) and raw.strip() else None
    return None


def tinyagent_dataset(data: dict[str, Any], source: str, tools: ToolSet | None = None) -> Dataset:
    """Records of testing_data.json: the reference is the first "plan" output's raw_output."""
    out = _Collector(tools=tools or ToolSet.all())
    for key, record in data.items():
        out.records += 1
        plan = _first_plan_output(record) if isinstance(record, dict) else None
        query = record.get("input") if isinstance(record, dict) else None
        if plan is None or not isinstance(query, str):
            out.without_plan += 1
            continue
        out.add(query, plan, str(key))
    return out.dataset(source)


def _jsonl_rows(text: str, source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("query"), str):
            raise ValueError(f'{source}:{number}: expected an object with a "query" string')
        if not isinstance(row.get("plan"), str):
            raise ValueError(f'{source}:{number}: expected a "plan" string')
        yield number, row


def jsonl_dataset(text: str, source: str, tools: ToolSet | None = None) -> Dataset:
    """JSON Lines of {"query", "plan"}; malformed lines are an error (the file is ours to fix)."""
    out = _Collector(tools=tools or ToolSet.all())
    for number, row in _jsonl_rows(text, source):
        out.records += 1
        out.add(row["query"], row["plan"], str(row.get("id", number)))
    return out.dataset(source)


def _is_tinyagent(data: object) -> bool:
    return isinstance(data, dict) and all(isinstance(v, dict) and "input" in v for v in data.values())


def load_dataset(path: str | Path, tools: ToolSet | None = None) -> Dataset:
    """testing_data.json (one JSON object keyed by id) or JSON Lines of {"query", "plan"}; ``tools``: what
    the references may call (default: the sixteen; an MCP set needs its servers' tools)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        whole: object = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if _is_tinyagent(whole) and isinstance(whole, dict):
        return tinyagent_dataset(whole, str(path), tools)
    return jsonl_dataset(text, str(path), tools)


def dev_set_path() -> Path:
    """The bundled dev set (eval/data/dev.jsonl)."""
    return Path(str(resources.files("tinyagent.eval").joinpath("data/dev.jsonl")))


def holdout_set_path() -> Path:
    """eval/data/holdout.jsonl: 100 requests written independently of the dev set and the ToolRAG bank
    (issue 9), for reporting. Tune on the dev set, never on this one."""
    return Path(str(resources.files("tinyagent.eval").joinpath("data/holdout.jsonl")))


def load_predictions(path: str | Path) -> dict[str, str]:
    """JSON Lines of {"query", "plan"} keyed by normalised query; a repeated query is an error."""
    predictions: dict[str, str] = {}
    for number, row in _jsonl_rows(Path(path).read_text(encoding="utf-8"), str(path)):
        key = normalize_query(row["query"])
        if key in predictions:
            raise ValueError(f"{path}:{number}: a second prediction for {row['query']!r}")
        predictions[key] = row["plan"]
    return predictions


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
