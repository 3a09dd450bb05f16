"""The eval loaders, the bundled dev set and ``tinyagent eval`` end to end (predictions and tiny GGUF)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tinyagent.cli.eval import eval_main
from tinyagent.eval.data import Example, dev_set_path, load_dataset, normalize_query, write_jsonl
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.plan import ArgValue, Plan, Task
from tinyagent.tools.registry import TOOL_NAMES, ToolSet, reference_id


@pytest.fixture(scope="module")
def dev() -> list[Example]:
    return list(load_dataset(dev_set_path()).examples)


# --- the dev set ----------------------------------------------------------------------------------


def test_dev_set_size_and_tool_coverage(dev: list[Example]) -> None:
    assert len(dev) >= 160
    uses = Counter(
        tool for ex in dev for tool in {t.tool for t in parse_plan(ex.plan, ToolSet.all()).tasks if not t.is_join}
    )
    assert {tool: uses[tool] for tool in TOOL_NAMES if uses[tool] < 8} == {}
    single = sum(1 for ex in dev if len(parse_plan(ex.plan, ToolSet.all()).tasks) == 2)
    assert 20 <= single <= len(dev) - 100  # both single- and multi-step requests


def test_dev_set_plans_parse_without_any_problem(dev: list[Example]) -> None:
    problems = {ex.query: [str(e) for e in parse_plan(ex.plan, ToolSet.all()).errors] for ex in dev}
    assert {q: p for q, p in problems.items() if p} == {}


def test_dev_set_queries_are_unique(dev: list[Example]) -> None:
    keys = Counter(normalize_query(ex.query) for ex in dev)
    assert [k for k, n in keys.items() if n > 1] == []


def test_dev_set_is_disjoint_from_the_toolrag_bank(dev: list[Example]) -> None:
    bank = pytest.importorskip("tinyagent.toolrag.bank")
    banked = {bank.normalise_query(q) for q in bank.bank_queries()}
    assert [ex.query for ex in dev if bank.normalise_query(ex.query) in banked] == []


def test_holdout_set_is_valid_and_disjoint_from_dev_and_bank(dev: list[Example]) -> None:
    from tinyagent.eval.data import holdout_set_path
    from tinyagent.toolrag.bank import bank_queries, normalise_query

    holdout = load_dataset(holdout_set_path())
    assert len(holdout.examples) == 100 and holdout.invalid == 0
    seen = {normalise_query(q) for q in bank_queries()} | {normalise_query(ex.query) for ex in dev}
    assert [ex.query for ex in holdout.examples if normalise_query(ex.query) in seen] == []


def _recipients(value: object) -> list[object]:
    return list(value) if isinstance(value, tuple) else [value]


def test_dev_set_follows_upstream_conventions(dev: list[Example]) -> None:
    """Contacts are looked up before sending, and PDFs are opened before they are summarised."""
    offenders = []
    for ex in dev:
        tasks = {t.id: t for t in parse_plan(ex.plan, ToolSet.all()).tasks}
        for task in tasks.values():
            if task.tool == "send_sms":
                bad = [
                    r
                    for r in _recipients(task.args[0])
                    if reference_id(r) is None and not re.fullmatch(r"[+\d ]+", str(r))
                ]
            elif task.tool in ("compose_new_email", "forward_email", "reply_to_email"):
                lists = task.args[:2] if task.tool != "reply_to_email" else task.args[:1]
                bad = [r for a in lists for r in _recipients(a) if reference_id(r) is None and "@" not in str(r)]
            elif task.tool == "summarize_pdf":
                source = tasks.get(reference_id(task.args[0]) or 0)
                bad = [] if source is not None and source.tool == "open_and_get_file_path" else [task.args[0]]
            else:
                bad = []
            if bad:
                offenders.append((ex.query, task.tool, bad))
    assert offenders == []


# --- loaders --------------------------------------------------------------------------------------


def _record(query: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"input": query, "output": outputs, "closest_5_queries": []}


def test_tinyagent_testing_data_loader(tmp_path: Path) -> None:
    good = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "hi")\n3. join()'
    data = {
        "a": _record(
            "Text Sid hi",
            [
                {"type": "join", "raw_output": "Thought: done\nAction: Finish(ok)", "parsed_output": {}},
                {"type": "plan", "raw_output": good, "parsed_output": []},
                {"type": "plan", "raw_output": "1. join()", "parsed_output": []},
            ],
        ),
        "b": _record("Only a joiner point", [{"type": "join", "raw_output": "Action: Finish(x)"}]),
        "c": _record("Hallucinated", [{"type": "plan", "raw_output": '1. get_contact_info("Sid")\n2. join()'}]),
        "d": _record("Bad arity", [{"type": "plan", "raw_output": "1. get_phone_number()\n2. join()"}]),
    }
    path = tmp_path / "testing_data.json"
    path.write_text(json.dumps(data))
    dataset = load_dataset(path)
    assert [(ex.id, ex.query, ex.plan) for ex in dataset.examples] == [("a", "Text Sid hi", good)]
    assert (dataset.records, dataset.without_plan, dataset.invalid) == (4, 1, 2)
    assert dataset.unknown_tools == {"get_contact_info": 1}
    assert "unknown tools in references: get_contact_info x1" in dataset.describe()


def test_jsonl_loader_rejects_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"query": "q", "plan": "1. join()"}\n{"query": "no plan"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load_dataset(path)
    assert eval_main(["--data", str(path), "--predictions", str(path), "--no-progress"]) == 2


# --- scoring predictions end to end ---------------------------------------------------------------


def _run(argv: list[str], out: Path) -> dict[str, Any]:
    assert eval_main([*argv, "--json", str(out), "--no-progress"]) == 0
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def test_perfect_predictions_score_100(tmp_path: Path, dev: list[Example], capsys: pytest.CaptureFixture[str]) -> None:
    predictions = tmp_path / "perfect.jsonl"
    write_jsonl(predictions, ({"query": ex.query.upper(), "plan": ex.plan} for ex in dev))  # keys are normalised
    doc = _run(["--predictions", str(predictions)], tmp_path / "out.json")
    summary = doc["summary"]
    assert summary["n"] == len(dev)
    assert summary["success_rate"] == summary["success_rate_upstream"] == summary["validity"] == 1.0
    assert summary["tool_precision"] == summary["tool_recall"] == 1.0
    assert all(t["success_rate"] == 1.0 for t in doc["per_tool"] if t["queries"])
    assert "success rate (ours)          100.0%" in capsys.readouterr().out


def _blank(value: ArgValue) -> ArgValue:
    if isinstance(value, str):
        return value if "$" in value else "x"
    if isinstance(value, tuple):
        return tuple(_blank(item) for item in value)
    return value


def _blank_strings(plan: str) -> str:
    """Every string without a reference in it becomes "x": only argument values change."""
    parsed = parse_plan(plan, ToolSet.all()).plan
    assert parsed is not None
    actions = [Task.make(t.id, t.tool, tuple(_blank(a) for a in t.args)) for t in parsed.actions]
    return Plan.from_actions(actions).render(end_marker=False)


def _extra_step(plan: str) -> str:
    lines = plan.split("\n")
    n = len(lines)
    return "\n".join([*lines[:-1], f'{n}. create_note("extra", "", "")', f"{n + 1}. join()"])


def test_corrupted_predictions_score_as_expected(tmp_path: Path, dev: list[Example]) -> None:
    first = dev[:10]
    plans = [ex.plan for ex in first]
    plans[0] = _blank_strings(plans[0])  # still a success
    plans[1] = plans[1].rsplit("\n", 1)[0]  # join() dropped
    plans[2] = re.sub(r"^1\. \w+\(", "1. get_contact_info(", plans[2])  # hallucinated tool
    plans[4] = _extra_step(plans[4])
    rows = [{"query": ex.query, "plan": p} for i, (ex, p) in enumerate(zip(first, plans, strict=True)) if i != 3]
    predictions = tmp_path / "corrupted.jsonl"
    write_jsonl(predictions, rows)
    doc = _run(["--predictions", str(predictions), "--limit", "10"], tmp_path / "out.json")
    assert plans[0] != first[0].plan
    outcomes = [(r["success"], r["valid"]) for r in doc["results"]]
    assert (
        outcomes == [(True, True), (False, False), (False, False), (False, False), (False, True)] + [(True, True)] * 5
    )
    assert doc["summary"]["success_rate"] == pytest.approx(0.6)
    assert doc["summary"]["success_rate_upstream"] == pytest.approx(0.6)
    assert doc["summary"]["validity"] == pytest.approx(0.7)
    assert doc["results"][3]["prediction"] is None and doc["results"][3]["errors"][0] == "no prediction for this query"
    assert any("get_contact_info" in e for e in doc["results"][2]["errors"])


# --- generating with a model ----------------------------------------------------------------------

RESULT_KEYS = {
    "args",
    "args_exact",
    "id",
    "query",
    "reference",
    "prediction",
    "tasks",
    "errors",
    "timings",
    "completion_tokens",
    "tools_offered",
    "finish_reason",
    "success",
    "success_ours",
    "success_upstream",
    "valid",
    "predicted_tools",
    "reference_tools",
}


def test_generation_with_the_tiny_gguf_under_the_grammar(tiny_gguf: Path, tmp_path: Path) -> None:
    # The random-weight model needs a short prompt (contacts and sms tools only) and a plan bound the grammar can
    # guarantee inside its context (2 lines); the grammar then makes every plan parse.
    argv = ["--model", str(tiny_gguf), "--offline", "--n-threads", "1", "--prompt-cache-mb", "0"]
    argv += ["--data-dir", str(tmp_path / "data"), "--n-ctx", "8192", "--enabled-apps", "contacts", "sms"]
    argv += ["--limit", "5", "--grammar", "--max-plan-lines", "2", "--max-tokens", "0"]
    doc = _run(argv, tmp_path / "out.json")
    assert doc["config"]["model"] and doc["config"]["grammar"] is True and doc["config"]["toolrag"] is False
    assert doc["config"]["now"] == "2025-06-16 09:00:00"
    assert len(doc["results"]) == 5
    for result in doc["results"]:
        assert set(result) == RESULT_KEYS
        assert result["tools_offered"] == ["get_phone_number", "get_email_address", "send_sms"]
        assert result["valid"] is True and result["prediction"]
        assert result["timings"]["total_s"] > 0 and result["completion_tokens"] > 0
        assert result["tasks"][-1].endswith("join()")
    summary = doc["summary"]
    assert summary["n"] == 5 and summary["validity"] == 1.0
    assert set(summary["total_s"]) == {"mean", "p50", "p95"} and summary["total_s"]["mean"] > 0
    assert [t["tool"] for t in doc["per_tool"]][: len(TOOL_NAMES)] == list(TOOL_NAMES)
