"""`tinyagent doctor --macos`, run here against recorded answers (tests/macos_fakes.py): its table, and
what it sends to the Mac. On a Mac the same commands run for real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from macos_fakes import FakeMac
from tinyagent.cli.doctor import doctor_main
from tinyagent.workers.macos.doctor import APPS, render, run_doctor
from tinyagent.workers.macos.runner import SCRIPTS_DIR
from tinyagent.workers.macos.scope import FileScope

GOLDEN = Path(__file__).parent / "golden" / "macos" / "doctor.txt"
UPDATE = os.environ.get("TINYAGENT_UPDATE_GOLDEN") == "1"
DENIED = {"stderr": "execution error: Not authorized to send Apple events to Calendar. (-1743)\n", "rc": 1}


@pytest.fixture
def scope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileScope:
    monkeypatch.setenv("HOME", str(tmp_path))  # folders show as ~/..., the same on every machine
    (tmp_path / "Documents").mkdir()
    return FileScope((tmp_path / "Documents", Path("/nonexistent/Desktop")))


def test_the_table_for_a_mac_with_one_refusal(mac: FakeMac, scope: FileScope, tmp_path: Path) -> None:
    scripts = sorted(SCRIPTS_DIR.glob("*.applescript"))
    broken = {"stderr": f"{scripts[0]}:12:20: syntax error: Expected end of line. (-2741)", "rc": 1}
    mac.respond("osacompile", broken, *([""] * (len(scripts) - 1)))
    answers = ["ok\n212\n", DENIED, "ok\n4\n", "ok\n3\n", "ok\n2\n", "ok\n0\n"]
    mac.respond("doctor_probe", *answers)
    checks = run_doctor(scope, zoom_token=None, deadline_s=10)
    table = render(checks)
    if UPDATE:
        GOLDEN.write_text(table + "\n", encoding="utf-8")
    assert table + "\n" == GOLDEN.read_text(encoding="utf-8"), "run with TINYAGENT_UPDATE_GOLDEN=1 and review"
    assert sum(not c.ok for c in checks) == 5  # the broken script, Calendar, Messages, a folder, Zoom
    probes = [c["argv"] for c in mac.calls() if c["key"] == "doctor_probe.applescript"]
    assert [p[1] for p in probes] == [app for app, _ in APPS]  # read-only probes, one per app
    compiled = [c["argv"] for c in mac.calls() if c["prog"] == "osacompile"]
    assert [Path(a[-1]) for a in compiled] == scripts and all(a[0] == "-o" for a in compiled)


def test_the_cli_exits_1_until_everything_works(
    mac: FakeMac, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docs").mkdir()
    monkeypatch.setenv("TINYAGENT_FILE_FOLDERS", str(tmp_path / "docs"))
    monkeypatch.setenv("TINYAGENT_ZOOM_TOKEN", "tok")
    mac.respond("doctor_probe", "ok\n5\n")
    assert doctor_main(["--macos", "--deadline", "10"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("Everything works.")
    mac.respond("doctor_probe", DENIED)
    assert doctor_main(["--macos"]) == 1
    assert "not allowed: allow it in System Settings" in capsys.readouterr().out


def test_the_write_round_trip_creates_reads_back_and_names_its_containers(mac: FakeMac, scope: FileScope) -> None:
    name = "TinyAgent doctor 2026-12-06 10.00.00"
    mac.respond("doctor_probe", "ok\n1\n")
    mac.respond("doctor_roundtrip", f"ok\n{name}\n", DENIED, "ok\nsomething else\n")
    checks = [
        c for c in run_doctor(scope, "tok", deadline_s=10, write_stamp="2026-12-06 10.00.00") if c.area == "writes"
    ]
    assert [(c.name, c.ok) for c in checks] == [("Notes", True), ("Reminders", False), ("Calendar", False)]
    assert "not allowed" in checks[1].detail and "read back 'something else'" in checks[2].detail
    trips = [c["argv"][1:] for c in mac.calls() if c["key"] == "doctor_roundtrip.applescript"]
    assert trips == [["Notes", name], ["Reminders", name], ["Calendar", name]]


def test_without_write_nothing_is_written(mac: FakeMac, scope: FileScope) -> None:
    mac.respond("doctor_probe", "ok\n1\n")
    run_doctor(scope, "tok", deadline_s=10)
    assert not [c for c in mac.calls() if c["key"] == "doctor_roundtrip.applescript"]
