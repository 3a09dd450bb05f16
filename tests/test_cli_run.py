"""``tinyagent run``: the terminal client against a live server (given plans; prompts answered by the test)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import LiveServer
from run_helpers import agent_server, world
from tinyagent.cli.run import run_main
from tinyagent.settings import Settings

PLAN = '1. get_phone_number("Amir")\n2. send_sms(["$1"], "CLI test {tag}")\n3. join()'


@pytest.fixture(scope="module")
def server(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("cli"), "n_ctx": 4096})
    with agent_server(settings) as live:
        yield live


def _plan_file(tmp_path: Path, tag: str) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN.format(tag=tag))
    return path


def _sms(settings: Settings, tag: str) -> int:
    with world(settings) as db:
        return int(db.execute("SELECT COUNT(*) FROM sms WHERE message = ?", (f"CLI test {tag}",)).fetchone()[0])


def test_human_output_shows_tasks_and_answer(server: LiveServer, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_main(["--plan-file", str(_plan_file(tmp_path, "plain")), "--url", server.url], out=out, err=err)
    text = out.getvalue()
    assert code == 0, err.getvalue()
    assert "planned  1.1 get_phone_number" in text and "done     1.2 send_sms" in text
    assert text.rstrip().endswith("[succeeded]")


def test_json_output_and_approval_prompt(server: LiveServer, tmp_path: Path) -> None:
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "n"

    out = io.StringIO()
    argv = [
        "--plan-file",
        str(_plan_file(tmp_path, "denied")),
        "--url",
        server.url,
        "--json",
        "--approve",
        "--no-joiner",
    ]
    assert run_main(argv, out=out, err=io.StringIO(), ask=ask) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len(asked) == 1 and asked[0].startswith("Allow send_sms([")
    denied = [e for e in events if e["type"] == "task_finished" and e["task_id"] == 2]
    assert denied[0]["error_code"] == "denied"
    assert _sms(server.settings, "denied") == 0


def test_unreachable_server_and_usage(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_main(["hi", "--url", "http://127.0.0.1:9"], out=io.StringIO(), err=err) == 2
    assert "tinyagent run:" in err.getvalue()
    assert run_main([], out=io.StringIO(), err=io.StringIO()) == 64
