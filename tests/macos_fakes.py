"""Recording stand-ins for osascript, open and mdfind, put first on PATH by the macOS backend tests.

Each stand-in appends its argv (as text and as the exact bytes it received, in hex) as one JSON
line to ``log.jsonl`` and prints the canned answer the test queued for it in ``responses.json``:
answers are keyed by program, or for osascript by the script's file name, and used in order
(the last one repeats). The stand-ins never interpret their arguments, except that osascript parses
options as getopt_long does (a word starting with "-" before "--" is one, and it fails on it): the
man page leaves open whether arguments after the script file are parsed, so the fake assumes the worse.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROGRAMS = ("osascript", "open", "mdfind", "osacompile")

_RECORDER = """\
import json, os, sys, time
prog = os.path.basename(sys.argv[1])
args = sys.argv[2:]
state = os.environ["FAKE_MAC_DIR"]
if prog == "osascript":
    # As getopt_long parses (it permutes): any word starting with "-" before "--" is an option, and
    # the scripts' runs take none. What is recorded is what the script's "on run argv" would get.
    cut = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:cut] if a.startswith("-") and a != "-"]
    if flags:
        sys.stderr.write(f"osascript: illegal option -- {flags[0][1:2]}\\n")
        sys.exit(1)
    args = args[:cut] + args[cut + 1 :]
key = os.path.basename(args[0]) if prog == "osascript" and args else prog
log = os.path.join(state, "log.jsonl")
entry = {"prog": prog, "key": key, "argv": args, "argv_hex": [os.fsencode(a).hex() for a in args]}
with open(log, "a", encoding="utf-8") as f:
    f.write(json.dumps(entry) + "\\n")
with open(log, encoding="utf-8") as f:
    seen = sum(1 for line in f if json.loads(line)["key"] == key)
with open(os.path.join(state, "responses.json"), encoding="utf-8") as f:
    queue = json.load(f).get(key, [])
answer = queue[min(seen, len(queue)) - 1] if queue else {}
time.sleep(answer.get("sleep", 0))
sys.stdout.buffer.write(answer.get("stdout", "").encode("utf-8"))
sys.stderr.buffer.write(answer.get("stderr", "").encode("utf-8"))
sys.exit(answer.get("rc", 0))
"""


@dataclass
class FakeMac:
    root: Path

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    def install(self) -> None:
        self.bin_dir.mkdir(parents=True)
        (self.root / "responses.json").write_text("{}", encoding="utf-8")
        recorder = self.root / "recorder.py"
        recorder.write_text(_RECORDER, encoding="utf-8")
        for prog in PROGRAMS:
            exe = self.bin_dir / prog
            exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{recorder}" "$0" "$@"\n', encoding="utf-8")
            exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    def respond(self, key: str, *answers: str | dict[str, Any]) -> None:
        """Queue answers for ``key`` (a program, or a script file name such as ``notes_list``)."""
        path = self.root / "responses.json"
        responses = json.loads(path.read_text(encoding="utf-8"))
        name = key if key in PROGRAMS else f"{key}.applescript"
        responses[name] = [{"stdout": a} if isinstance(a, str) else a for a in answers]
        path.write_text(json.dumps(responses), encoding="utf-8")

    def calls(self) -> list[dict[str, Any]]:
        log = self.root / "log.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_MAC_DIR": str(self.root),
        }
