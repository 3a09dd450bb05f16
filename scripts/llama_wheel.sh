#!/bin/sh
# Builds llama-cpp-python once for a declared CPU baseline, keeps the wheel, prints its path.
#
# Why not plain `pip install`: PyPI has only the sdist, whose default build is -march=native. A wheel
# built on a CPU with AMX or AVX-512 dies on the first matrix multiply elsewhere (SIGSEGV at `ldtilecfg`
# in ggml's AMX path, or SIGILL), and pip's wheel cache is keyed by the source archive, not by the
# build flags, so such a wheel is silently reused on the next machine. Here the wheel is built with
# --no-cache-dir and kept under a key made of the requirement and the exact flags.
#
# Usage: scripts/llama_wheel.sh PYTHON   (the interpreter whose pip builds the wheel)
# TINYAGENT_WHEEL_CACHE overrides the folder (default ~/.cache/tinyagent/wheels).
set -eu
python=${1:?usage: llama_wheel.sh PYTHON}
root=$(cd "$(dirname "$0")/.." && pwd)
requirement=$(sed -n 's/^ *"\(llama-cpp-python==[^"]*\)".*/\1/p' "$root/pyproject.toml")
[ -n "$requirement" ] || { echo "llama_wheel.sh: no llama-cpp-python==... pin in pyproject.toml" >&2; exit 1; }

# shellcheck source=scripts/cpu_flags.sh
. "$root/scripts/cpu_flags.sh"
flags="$flags${flags:+ }-DLLAVA_BUILD=OFF"

key=$("$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest()[:12])' \
  "$requirement $flags")
cache=${TINYAGENT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyagent/wheels}
dir="$cache/$requirement-$(uname -m)-$baseline-$key"

if ! ls "$dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Building $requirement for $baseline (a few minutes, once per flag set): $dir" >&2
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  CMAKE_ARGS="$flags" FORCE_CMAKE=1 "$python" -m pip wheel -q --no-deps --no-cache-dir \
    --no-binary llama-cpp-python -w "$tmp" "$requirement" >&2
  printf '%s\n' "$requirement" "CMAKE_ARGS=$flags" >"$tmp/BUILD_FLAGS"
  rm -rf "$dir" && mv "$tmp" "$dir"
fi
ls "$dir"/llama_cpp_python-*.whl
