"""The tinyagent command: settings double as flags, failures are clear exit codes."""

from __future__ import annotations

import pytest

from tinyagent.cli.main import EXIT_MODEL, build_parser, main, settings_from_args


def test_help_uses_setting_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--queue-depth" in out and "Retry-After" in out
    assert "--api-key" in out and "--data-dir" in out


def test_flags_override_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYAGENT_PORT", "9999")
    monkeypatch.setenv("TINYAGENT_QUEUE_DEPTH", "3")
    settings = settings_from_args(build_parser().parse_args(["serve", "--port", "1234", "--no-offline"]))
    assert settings.port == 1234 and settings.queue_depth == 3 and settings.offline is False
    assert "model" not in settings.model_fields_set  # the default model is not "explicit"


def test_explicit_missing_model_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", "/no/such/model.gguf", "--offline"]) == EXIT_MODEL
    assert "/no/such/model.gguf" in capsys.readouterr().err
