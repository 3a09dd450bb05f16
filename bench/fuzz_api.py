"""A longer schemathesis run against the API than the CI test: positive and negative cases per
operation, counting requests and collecting every failure instead of stopping at the first.

Usage: python bench/fuzz_api.py [--examples 100] [--url http://127.0.0.1:50001] [--json out.json]
Without --url it starts a server on a tiny random-weight model (tests/gguf_factory.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from test_fuzz_api import CHECKS, cap_generation, envelope_problem  # noqa: E402
from tinyagent.openapi import export_openapi  # noqa: E402


@contextmanager
def server(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    from gguf_factory import write_tiny_gguf
    from harness import live_server
    from tinyagent.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        model = write_tiny_gguf(Path(tmp) / "tiny.gguf")
        config = Settings(
            model=str(model), data_dir=Path(tmp), offline=True, n_ctx=2048, n_threads=1, prompt_cache_mb=0
        )
        with live_server(config) as live:
            yield live.url


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.failures: dict[str, dict[str, Any]] = {}
        # Schema-valid requests the server refused: not failures, but where the spec is looser than the server.
        self.refused_valid: dict[str, dict[str, Any]] = {}

    def record(self, case: schemathesis.Case, base_url: str, positive: bool) -> Any:
        """Call, check, count; the response (None after a transport failure)."""
        cap_generation(case)
        try:
            response = case.call(base_url=base_url, timeout=120)
        except Exception as exc:  # a timeout or reset is a finding too
            self.fail(case, f"transport: {exc!r}", None)
            return None
        self.judge(case, response, positive)
        return response

    def judge(self, case: schemathesis.Case, response: Any, positive: bool) -> None:
        self.requests += 1
        self.statuses[response.status_code] += 1
        content_type = response.headers.get("content-type", [""])[0]
        problem = envelope_problem(response.status_code, content_type, response.text)
        if problem:
            self.fail(case, problem, response)
        if positive and 400 <= response.status_code < 500:
            self.note_refusal(case, response)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # FailureGroup is a BaseExceptionGroup
            self.fail(case, str(exc).split("\n\nReproduce with")[0][:600], response)

    def note_refusal(self, case: schemathesis.Case, response: Any) -> None:
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        key = f"{case.operation.label} -> {response.status_code} {code}"
        entry = self.refused_valid.setdefault(key, {"count": 0, "example": None})
        entry["count"] += 1
        entry["example"] = entry["example"] or {"body": case.body, "query": case.query, "response": response.text[:300]}

    def fail(self, case: schemathesis.Case, problem: str, response: Any) -> None:
        key = f"{case.operation.label}: {problem.splitlines()[0][:120]}"
        if key not in self.failures:  # one example per distinct failure
            self.failures[key] = {
                "request": {"method": case.method, "path": case.formatted_path, "query": case.query, "body": case.body},
                "status": getattr(response, "status_code", None),
                "response": getattr(response, "text", "")[:500],
                "problem": problem,
            }


def fuzz(base_url: str, examples: int) -> Tally:
    tally = Tally()
    schema = schemathesis.openapi.from_dict(export_openapi())
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:

            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                # run() is called right below, inside this iteration: the late binding is harmless.
                tally.record(case, base_url, mode is schemathesis.GenerationMode.POSITIVE)  # noqa: B023

            started = time.perf_counter()
            try:
                run()
            except Unsatisfiable:
                continue  # no negative case exists for an operation without inputs (GET /health)
            print(f"{operation.label:<35} {mode.value:<8} {time.perf_counter() - started:6.1f} s", flush=True)
    started = time.perf_counter()
    stateful(schema, base_url, examples, tally)
    print(f"{'stateful (links between operations)':<44} {time.perf_counter() - started:6.1f} s", flush=True)
    return tally


def stateful(schema: Any, base_url: str, examples: int, tally: Tally) -> None:
    """Schemathesis's stateful phase: sequences that follow the spec's links (a run's id to its operations);
    every step is checked and counted like the rest, positive data included."""

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: schemathesis.Case, **kwargs: Any) -> Any:  # noqa: ARG002 (the base's signature)
            response = tally.record(case, base_url, positive=True)
            if response is None:
                raise RuntimeError("transport failure (recorded)")
            return response

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:  # noqa: ARG002
            return None  # judged in call()

    config = settings(
        max_examples=examples, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
    )
    with contextlib.suppress(RuntimeError):  # a transport failure, already in the tally
        Machine.run(settings=config)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="Examples per operation and mode.")
    parser.add_argument("--url", help="A running server (default: start one on a tiny model).")
    parser.add_argument("--json", help="Write the results here.")
    args = parser.parse_args()
    started = time.perf_counter()
    with server(args.url) as base_url:
        tally = fuzz(base_url, args.examples)
    elapsed = time.perf_counter() - started
    print(f"\n{tally.requests} requests in {elapsed:.0f} s; statuses {dict(sorted(tally.statuses.items()))}")
    print(f"{len(tally.failures)} distinct failures")
    for key, failure in tally.failures.items():
        request = json.dumps(failure["request"], default=str)[:400]
        print(f"- {key}\n  request: {request}\n  response: {failure['status']} {failure['response'][:300]}")
    print(f"schema-valid requests refused ({len(tally.refused_valid)} kinds):")
    for key, entry in sorted(tally.refused_valid.items(), key=lambda item: -item[1]["count"]):
        print(f"- {key} x{entry['count']}: {json.dumps(entry['example'], default=str)[:300]}")
    if args.json:
        report = {
            "requests": tally.requests,
            "seconds": elapsed,
            "statuses": tally.statuses,
            "failures": tally.failures,
            "refused_valid": tally.refused_valid,
        }
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
