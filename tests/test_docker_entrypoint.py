"""docker/entrypoint.sh with a fake `tinyagent` on PATH, and the files the Dockerfile/compose name."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"

FAKE_TINYAGENT = """#!/bin/sh
# Records what the entrypoint exec'd: argv and the TINYAGENT_* environment.
python3 - "$@" <<'PY' > "$RECORD"
import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "env": {k: v for k, v in os.environ.items() if k.startswith("TINYAGENT_")}}))
PY
"""

pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")


def run_entrypoint(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "tinyagent"
    fake.write_text(FAKE_TINYAGENT)
    fake.chmod(0o755)
    record = tmp_path / "record.json"
    base = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RECORD": str(record)}
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), *args], env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    recorded = json.loads(record.read_text()) if record.exists() else {}
    return done, recorded


def test_refuses_a_public_bind_without_a_key(tmp_path: Path) -> None:
    done, recorded = run_entrypoint(tmp_path, {"TINYAGENT_HOST": "0.0.0.0"})
    assert done.returncode == 64
    assert "TINYAGENT_API_KEY" in done.stderr and "refusing to start" in done.stderr
    assert recorded == {}  # tinyagent never ran


def test_refuses_a_public_host_flag_without_a_key(tmp_path: Path) -> None:
    done, recorded = run_entrypoint(tmp_path, {"TINYAGENT_HOST": "127.0.0.1"}, "--host", "0.0.0.0")
    assert done.returncode == 64
    assert recorded == {}


def test_serves_with_a_key_passing_env_and_flags(tmp_path: Path) -> None:
    env = {"TINYAGENT_HOST": "0.0.0.0", "TINYAGENT_API_KEY": "sk-test", "TINYAGENT_MODEL": "/models/x.gguf"}
    done, recorded = run_entrypoint(tmp_path, env, "--port", "8080")
    assert done.returncode == 0, done.stderr
    assert recorded["argv"] == ["serve", "--port", "8080"]
    assert recorded["env"]["TINYAGENT_API_KEY"] == "sk-test"
    assert recorded["env"]["TINYAGENT_MODEL"] == "/models/x.gguf"


def test_loopback_needs_no_key(tmp_path: Path) -> None:
    done, recorded = run_entrypoint(tmp_path, {"TINYAGENT_HOST": "127.0.0.1"})
    assert done.returncode == 0, done.stderr
    assert recorded["argv"] == ["serve"]


def test_key_from_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("sk-from-file")
    env = {"TINYAGENT_HOST": "0.0.0.0", "TINYAGENT_API_KEY_FILE": str(secret)}
    done, recorded = run_entrypoint(tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert recorded["env"]["TINYAGENT_API_KEY"] == "sk-from-file"


def test_other_subcommands_pass_through_without_the_key_check(tmp_path: Path) -> None:
    done, recorded = run_entrypoint(tmp_path, {"TINYAGENT_HOST": "0.0.0.0"}, "worker", "--backend", "sandbox")
    assert done.returncode == 0, done.stderr
    assert recorded["argv"] == ["worker", "--backend", "sandbox"]


def test_dockerfile_copies_files_that_exist() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    sources = [src for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M) for src in line.split()[:-1]]
    assert sources
    allowed = [line[1:] for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines() if line[:1] == "!"]
    for source in sources:
        assert (ROOT / source).exists(), source
        # The ignore file excludes everything else: a COPY of a path it leaves out fails the build.
        assert any(fnmatch.fnmatch(source, p) or p.startswith(source.rstrip("/") + "/") for p in allowed), source
    assert re.search(r"^USER \d+", text, re.M), "must run as a non-root user"
    assert "TINYAGENT_HOST=0.0.0.0" in text


def test_compose_references_files_that_exist() -> None:
    text = (DOCKER / "docker-compose.yml").read_text()
    assert re.search(r"^\s+dockerfile: docker/Dockerfile$", text, re.M)
    assert (DOCKER / ".." / "docker" / "Dockerfile").exists()
    assert re.search(r"^\s+context: \.\.$", text, re.M)
    assert "TINYAGENT_TOOL_WORKER_SOCKET" in text and "--backend macos --socket" in text
