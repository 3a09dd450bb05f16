#!/bin/sh
# Sourced by llama_wheel.sh and llama_server.sh: the CPU baseline llama.cpp is built for, so that a build
# made on one machine runs on the next. Sets $baseline and $flags (CMake arguments).
case "$(uname -m)" in
  x86_64 | amd64)
    # x86-64-v3 (Intel Haswell, AMD Zen 1 and later): AVX2, FMA, F16C, BMI2; no AVX-512, AVX-VNNI or AMX.
    # tinyagent.inference.llama_build checks the installed library against this same set.
    baseline=x86-64-v3
    flags="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
    flags="$flags -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF"
    flags="$flags -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
    flags="$flags -DGGML_AMX_BF16=OFF"
    ;;
  *)
    # arm64 (Apple silicon, the macOS worker's home) and the rest: llama.cpp's own defaults. Those may
    # target this CPU, so the key names it and the build is reused only on the same kind of CPU.
    baseline="native-$(uname -s)-$( (sysctl -n machdep.cpu.brand_string 2>/dev/null \
      || grep -m1 -E '^(Features|flags|model name)' /proc/cpuinfo 2>/dev/null || true) \
      | "$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:8])')"
    flags=""
    ;;
esac
