"""The macOS worker finds, opens and attaches only files under the user's document folders (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from macos_fakes import FakeMac
from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.macos import MacOSBackend
from tinyagent.workers.macos.scope import FileScope


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for folder in ("Documents/Plans", "Desktop", ".ssh", "Library/Prefs", "Documents/Tool.app/Contents"):
        (home / folder).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TINYAGENT_FILE_FOLDERS", raising=False)
    return home


def ctx() -> CallContext:
    return CallContext(call_id="t", deadline_s=10, timezone="UTC", send_drafts=False)


def test_only_visible_files_under_the_folders_are_allowed(home: Path) -> None:
    scope = FileScope.from_env()
    assert home / "Documents" in scope.folders and home / "Downloads" in scope.folders
    assert scope.allows(str(home / "Documents/Plans/q3.pdf"))
    assert scope.allows(str(home / "Desktop/menu.txt"))
    for refused in (".ssh/id_rsa", "Library/Prefs/x.plist", "Documents/.secret/a.pdf", "Documents/Tool.app/Contents/x"):
        assert not scope.allows(str(home / refused)), refused
    assert not scope.allows(str(home / "Documents"))  # a folder itself is not a file in it
    assert not scope.allows("/etc/passwd")


def test_a_symlink_is_judged_by_where_it_points(home: Path) -> None:
    (home / ".ssh/id_rsa").write_text("key")
    (home / "Documents/key.txt").symlink_to(home / ".ssh/id_rsa")
    assert not FileScope.from_env().allows(str(home / "Documents/key.txt"))


def test_programs_and_links_are_never_opened(home: Path) -> None:
    scope = FileScope.from_env()
    script = home / "Desktop/run.sh.txt"
    script.write_text("echo")
    script.chmod(0o755)
    (home / "Desktop/notes.txt").write_text("hi")
    assert not scope.may_open(str(script))  # executable, whatever its name
    assert scope.may_open(str(home / "Desktop/notes.txt"))
    for name in ("go.command", "site.webloc", "x.terminal", "setup.pkg"):
        assert not scope.may_open(str(home / "Desktop" / name)), name


def test_folders_can_be_configured(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYAGENT_FILE_FOLDERS", f"{tmp_path / 'work'}:~/Desktop")
    assert FileScope.from_env().folders == (tmp_path / "work", home / "Desktop")


def test_spotlight_hits_elsewhere_are_ignored(mac: FakeMac, home: Path) -> None:
    keep = home / "Documents/Plans/report.pdf"
    mac.respond("mdfind", f"{home}/.ssh/report.pdf\n{home}/Library/Prefs/report.pdf\n/etc/report.pdf\n{keep}\n")
    assert MacOSBackend().call("open_and_get_file_path", ("report.pdf",), ctx()) == str(keep)
    assert [c["argv"] for c in mac.calls() if c["prog"] == "open"] == [[str(keep)]]


def test_nothing_close_enough_is_not_found(mac: FakeMac, home: Path) -> None:
    mac.respond("mdfind", f"{home}/Documents/id_rsa.txt\n")
    with pytest.raises(ToolFailure) as err:
        MacOSBackend().call("open_and_get_file_path", ("budget 2025.xlsx",), ctx())
    assert err.value.code == "not_found"
    assert not [c for c in mac.calls() if c["prog"] == "open"]


def test_a_path_outside_the_folders_is_refused_for_opening_and_attaching(mac: FakeMac, home: Path) -> None:
    key = home / ".ssh/id_rsa"
    key.write_text("secret")
    backend = MacOSBackend()
    with pytest.raises(ToolFailure) as opened:
        backend.call("open_and_get_file_path", (str(key),), ctx())
    with pytest.raises(ToolFailure) as attached:
        backend.call("compose_new_email", (["a@example.com"], [], "s", "b", [str(key)]), ctx())
    assert opened.value.code == attached.value.code == "invalid_argument"
    assert "outside the folders" in attached.value.message
    assert mac.calls() == []  # no Spotlight, no open, no Mail


def test_an_app_in_documents_is_not_launched(mac: FakeMac, home: Path) -> None:
    command = home / "Documents/Plans/deploy.command"
    command.write_text("rm -rf ~")
    mac.respond("mdfind", f"{command}\n")
    with pytest.raises(ToolFailure) as err:
        MacOSBackend().call("open_and_get_file_path", ("deploy.command",), ctx())
    assert err.value.code == "invalid_argument"
    assert not [c for c in mac.calls() if c["prog"] == "open"]
