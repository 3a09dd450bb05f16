"""The installed llama.cpp is the portable build: no AMX, nothing beyond x86-64-v3 on x86.

The first test reads the library this suite runs on, so a native build (the sdist's default, reused from
pip's wheel cache or built by hand) fails the suite on any machine whose CPU has more than the baseline.
"""

from __future__ import annotations

import asyncio
import logging
import platform
from pathlib import Path

import httpx
import pytest

from harness import LiveServer
from tinyagent.cli.main import main
from tinyagent.inference.llama_build import X86_64_BASELINE, describe, installed_build, parse_system_info

PORTABLE = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
    "OPENMP = 1 | REPACK = 1 | "
)
# A native build on the AMD EPYC machines (measurements.md) and on a Sapphire Rapids Xeon (issue 13).
NATIVE_EPYC = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
NATIVE_SAPPHIRE_RAPIDS = NATIVE_EPYC.replace("AVX512_BF16 = 1 |", "AVX512_BF16 = 1 | AMX_INT8 = 1 |")
APPLE_M2 = "CPU : NEON = 1 | ARM_FMA = 1 | FP16_VA = 1 | MATMUL_INT8 = 1 | DOTPROD = 1 | ACCELERATE = 1 | REPACK = 1 | "


def test_installed_llama_cpp_is_the_portable_build() -> None:
    engine = installed_build()
    assert engine.problems == (), f"{engine.system_info}: rebuild with scripts/llama_wheel.sh ({engine.problems})"
    assert not [f for f in engine.features if f.startswith("AMX")]
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert set(X86_64_BASELINE) <= set(engine.features)


def test_parse_keeps_only_features_that_are_on() -> None:
    assert parse_system_info("CPU : AVX = 1 | AVX2 = 0 | SVE_CNT = 16 | OPENMP = 1 |") == ("AVX", "SVE_CNT", "OPENMP")
    assert parse_system_info(PORTABLE)[:3] == ("SSE3", "SSSE3", "AVX")


def test_portable_x86_build_has_no_problems() -> None:
    engine = describe("0.3.36", PORTABLE, "x86_64")
    assert engine.portable and engine.baseline == "x86-64-v3"


def test_native_builds_are_named_with_what_they_add() -> None:
    epyc = describe("0.3.36", NATIVE_EPYC, "x86_64")
    assert not epyc.portable
    assert "AVX512" in epyc.problems[0] and "AVX_VNNI" in epyc.problems[0]
    xeon = describe("0.3.36", NATIVE_SAPPHIRE_RAPIDS, "x86_64")
    assert xeon.problems[0].startswith("built with AMX (AMX_INT8)")
    assert "AMX" not in xeon.problems[1]  # named once, as the crash it causes


def test_a_build_without_the_baseline_is_not_ours() -> None:
    scalar = describe("0.3.36", "CPU : SSE3 = 1 | SSSE3 = 1 | OPENMP = 1 |", "x86_64")
    assert any("missing" in p and "AVX2" in p for p in scalar.problems)


def test_arm64_keeps_llama_cpp_defaults_but_never_amx() -> None:
    assert describe("0.3.36", APPLE_M2, "arm64").portable
    assert not describe("0.3.36", APPLE_M2 + "AMX_INT8 = 1 |", "arm64").portable


def test_cli_check_prints_the_build_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llama-info", "--check"]) == 0
    assert installed_build().system_info in capsys.readouterr().out


def test_health_reports_the_build(tiny_server: LiveServer) -> None:
    body = httpx.get(tiny_server.url + "/health").json()
    engine = installed_build()
    assert body["llama_cpp"]["system_info"] == engine.system_info
    assert body["llama_cpp"]["portable"] is True and body["llama_cpp"]["features"] == list(engine.features)


def test_cli_check_fails_on_a_native_build(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tinyagent.inference import llama_build

    monkeypatch.setattr(llama_build, "installed_build", lambda: describe("0.3.36", NATIVE_SAPPHIRE_RAPIDS, "x86_64"))
    assert main(["llama-info", "--check"]) == 1
    assert main(["llama-info"]) == 0  # without --check it only reports
    assert "built with AMX" in capsys.readouterr().err


def test_loading_a_model_logs_the_build(tiny_gguf: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tinyagent.inference.llama_backend import LlamaBackend

    with caplog.at_level(logging.INFO, logger="tinyagent.inference.llama_backend"):
        backend = LlamaBackend.load(
            tiny_gguf, model_id="tiny", source="test", n_ctx=256, n_threads=1, n_batch=64, prompt_cache_mb=0
        )
    asyncio.run(backend.aclose())
    assert backend.info.engine == installed_build()
    assert [r for r in caplog.records if installed_build().system_info in r.getMessage()]
