"""`tinyagent plan`: the tree rendering, and plan_main end to end on the tiny GGUF (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tinyagent.cli.plan import EXIT_MODEL, EXIT_USAGE, plan_main, render_tree
from tinyagent.plans.parser import parse_plan
from tinyagent.tools.registry import ToolSet

DIAMOND = (
    '1. get_email_address("Sid")\n'
    '2. get_email_address("Ann")\n'
    "Thought: both addresses first\n"
    '3. compose_new_email(["$1", "$2"], [], "Notes", "", [])\n'
    '4. open_and_get_file_path("notes.pdf")\n'
    '5. summarize_pdf("$4")\n'
    "6. join()"
)


def test_tree_puts_each_task_under_its_latest_dependency() -> None:
    outcome = parse_plan(DIAMOND, ToolSet.all())
    assert outcome.plan is not None
    assert render_tree(outcome.plan.tasks) == [
        '1. get_email_address("Sid")',
        '2. get_email_address("Ann")',
        "      Thought: both addresses first",
        '    └─ 3. compose_new_email(["$1", "$2"], [], "Notes", "", [])   (after $1)',
        '4. open_and_get_file_path("notes.pdf")',
        '    └─ 5. summarize_pdf("$4")',
        "6. join()   (after $1, $2, $3, $4, $5)",
    ]


def tiny_args(tiny_gguf: Path, tmp_path: Path, *extra: str) -> list[str]:
    # A character-level vocabulary makes the planner prompt several thousand tokens long.
    common = ["--model", str(tiny_gguf), "--n-ctx", "16384", "--n-threads", "1", "--offline"]
    return [*common, "--data-dir", str(tmp_path), "--prompt-cache-mb", "0", *extra]


def test_zero_tools_json_is_the_api_body(tiny_gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = plan_main(["What time is it?", *tiny_args(tiny_gguf, tmp_path, "--tools", "--json")])
    body = json.loads(capsys.readouterr().out)
    assert code == 0
    assert body["valid"] is True and body["query"] == "What time is it?"
    assert body["tasks"] == [{"id": 1, "tool": "join", "args": [], "depends_on": [], "thought": None}]
    assert body["model"] and body["usage"]["completion_tokens"] > 0


def test_tree_output_and_exit_code(tiny_gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = tiny_args(tiny_gguf, tmp_path, "--tools", "get_phone_number", "--seed", "2", "--max-tokens", "60")
    code = plan_main(["Call Sid", *args])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Plan (valid;" if code == 0 else "Plan (INVALID;")
    if code == 0:
        assert out[-1].startswith(tuple(f"{n}. join()" for n in range(1, 13)))
    else:  # cut at 60 tokens: the problems and the raw text say why
        assert code == 1 and "Problems:" in out and "Raw model output:" in out


def test_bad_time_zone_is_a_usage_error(tiny_gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_main(["hi", *tiny_args(tiny_gguf, tmp_path, "--timezone", "Mars/Base")]) == EXIT_USAGE
    assert "Mars/Base" in capsys.readouterr().err


def test_unloadable_model_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.gguf"
    assert plan_main(["hi", "--model", str(missing), "--offline", "--data-dir", str(tmp_path)]) == EXIT_MODEL
    assert "cannot load the model" in capsys.readouterr().err


def test_add_plan_command_registers_the_subcommand() -> None:
    import argparse

    from tinyagent.cli.plan import add_plan_command, run_plan

    parser = argparse.ArgumentParser(prog="tinyagent")
    add_plan_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["plan", "Text Sid", "--json", "--tools", "send_sms", "--no-grammar", "--model", "m"])
    assert args.handler is run_plan
    assert (args.query, args.json, args.tools, args.no_grammar, args.model) == (
        "Text Sid",
        True,
        ["send_sms"],
        True,
        "m",
    )
