"""Which CPU features the installed llama.cpp was compiled for, and whether that is the portable baseline.

llama-cpp-python is built from source, and llama.cpp's default target is the building CPU. Such a build
crashes elsewhere: with AMX compiled in, the first matrix multiply faults at ``ldtilecfg`` on machines
whose kernel or hypervisor does not enable it; with AVX-512, SIGILL on CPUs without it. The install
(scripts/llama_wheel.sh) builds for x86-64-v3 on x86; this module checks the library that is actually
loaded against that baseline, for the install step, the test suite, the start-up log and /health.
llama.cpp reports compile-time flags here (``ggml_cpu_has_*`` are ``#if`` tests), not what the CPU offers.
"""

from __future__ import annotations

import functools
import platform

from tinyagent.inference.types import EngineBuild

# What llama_print_system_info() lists for a build with scripts/llama_wheel.sh's x86 flags.
X86_64_BASELINE = ("SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2")
# Entries that describe the build's options, not an instruction set the CPU must have.
NOT_ISA = frozenset({"LLAMAFILE", "OPENMP", "REPACK", "KLEIDIAI", "ACCELERATE", "CPU_HBM", "SVE_CNT", "RVV_VLEN"})


def parse_system_info(text: str) -> tuple[str, ...]:
    """The features a system-info line turns on: ``"CPU : AVX = 1 | OPENMP = 1 |"`` -> (AVX, OPENMP)."""
    features: list[str] = []
    for part in text.split("|"):
        name, _, value = part.rpartition("=")
        name = name.rpartition(":")[2].strip()
        if name and value.strip() not in ("", "0"):
            features.append(name)
    return tuple(features)


def problems(features: tuple[str, ...], machine: str) -> tuple[str, ...]:
    """Why a build with these features is not portable on this architecture; empty when it is."""
    found: list[str] = []
    amx = [f for f in features if f.startswith("AMX")]
    if amx:
        found.append(f"built with AMX ({', '.join(amx)}): crashes where AMX is not enabled")
    if _is_x86_64(machine):
        beyond = [f for f in features if f not in X86_64_BASELINE and f not in NOT_ISA and f not in amx]
        if beyond:
            found.append(f"built for this CPU, not x86-64-v3: {', '.join(beyond)} (SIGILL on CPUs without them)")
        missing = [f for f in X86_64_BASELINE if f not in features]
        if missing:
            found.append(f"missing the x86-64-v3 baseline's {', '.join(missing)}: not the build the install makes")
    return tuple(found)


def describe(version: str, system_info: str, machine: str) -> EngineBuild:
    features = parse_system_info(system_info)
    baseline = "x86-64-v3" if _is_x86_64(machine) else f"llama.cpp defaults ({machine})"
    return EngineBuild(version, system_info.strip(), features, baseline, problems(features, machine))


@functools.cache
def installed_build() -> EngineBuild:
    """The build of the llama_cpp this process imports; it cannot change while the process lives."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    return describe(str(llama_cpp.__version__), info, platform.machine())


def _is_x86_64(machine: str) -> bool:
    return machine.lower() in ("x86_64", "amd64")
