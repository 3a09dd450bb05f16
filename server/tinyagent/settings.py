"""All settings in one pydantic-settings class.

Each field's description is also its ``--help`` text (``cli.py``) and its
documentation; environment variables use the ``TINYAGENT_`` prefix.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tinyagent.tools.registry import APPS, ToolSet

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tinyagent"


def is_loopback(host: str) -> bool:
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TINYAGENT_", extra="ignore")

    # --- model -------------------------------------------------------------
    model: str = Field(
        "tinyagent-1.1b",
        description=(
            "Model to serve: a path to a .gguf file, a hub reference 'owner/repo:QUANT' or "
            "'owner/repo/file.gguf', or a catalogue alias (tinyagent-1.1b, tinyagent-7b, smollm2-135m, "
            "gemma3-270m). If the default alias cannot be had, the embedded model is served instead."
        ),
    )
    model_alias: str | None = Field(
        None, description="Model id reported by /v1/models (default: the alias or file name)."
    )
    chat_format: str | None = Field(
        None, description="Override the model profile's prompt format (chatml, alpaca, gemma-base, jinja)."
    )
    n_ctx: int | None = Field(None, ge=256, description="Context length in tokens (default: the model profile's).")
    engine: Literal["llama-cpp-python", "llama-server"] = Field(
        "llama-cpp-python",
        description=(
            "Runs the local model: 'llama-cpp-python' in this process, or 'llama-server', llama.cpp's own server "
            "as a child process on a private port (faster, batches concurrent requests; `make llama-server`)."
        ),
    )
    llama_server_path: Path | None = Field(
        None, description="The llama-server binary for --engine llama-server (default: `make llama-server`'s, or PATH)."
    )
    llama_server_args: str = Field(
        "",
        description="Extra arguments for the llama-server child, shell-quoted (e.g. --llama-server-args='--poll 0').",
    )
    parallel: int = Field(
        4,
        ge=1,
        le=64,
        description=(
            "Requests generated at once by --engine llama-server or an --llm-base-url server, which batch them; "
            "the in-process engine generates one at a time."
        ),
    )
    n_threads: int | None = Field(None, ge=1, description="CPU threads for generation (default: all cores).")
    adapt_threads: bool = Field(
        True,
        description=(
            "Generate on fewer threads while other processes keep cores busy (Linux; measured from /proc/stat): "
            "llama.cpp's threads stall each other when one loses its core."
        ),
    )
    n_batch: int = Field(512, ge=16, description="Prompt-processing batch size in tokens.")
    prompt_cache_mb: int = Field(
        # Off by default: a ready server with the embedded model holds ~590 MB after ten plans, and each saved
        # state of a planner prompt is ~40 MB. 256 MB makes a repeated request ~2.6x faster (bench_speed.py).
        0,
        ge=0,
        description=(
            "RAM for saved KV states of earlier prompts, reused by requests that repeat a prefix (0 = off; the "
            "last prompt's prefix is always reused)."
        ),
    )
    stream_interval_ms: int = Field(
        20,
        ge=0,
        le=1000,
        description=(
            "Streamed text is sent at most this often (the first token at once); tokens in between are merged. "
            "Each SSE chunk costs CPU the model shares; 0 sends every token alone."
        ),
    )
    offline: bool = Field(False, description="Never contact the model hub; use only local files and the hub cache.")
    hub_endpoint: str | None = Field(
        None,
        description="Model hub base URL (default: huggingface_hub's, or HF_ENDPOINT); for mirrors and tests.",
    )
    hub_timeout_s: float = Field(10.0, gt=0, description="Timeout for contacting the model hub, in seconds.")
    llm_base_url: str | None = Field(
        None,
        description=(
            "Use a remote OpenAI-compatible server (vLLM, llama-server, another TinyAgent Server) for "
            "generation instead of a local GGUF, e.g. http://127.0.0.1:8081/v1."
        ),
    )
    llm_api_key: SecretStr | None = Field(None, description="API key sent to --llm-base-url.")
    llm_remote_model: str | None = Field(
        None, description="Model name to request from --llm-base-url (default: its first)."
    )
    llm_context_length: int | None = Field(
        None,
        ge=16,
        description=(
            "Context length of the --llm-base-url model, for servers that do not publish it (llama-cpp-python's "
            "server); it wins over what the server says. Unknown means no local limit, never 0."
        ),
    )
    llm_dialect: Literal["auto", "openai", "llama-server", "vllm"] = Field(
        "auto",
        description=(
            "How to talk to --llm-base-url: 'auto' learns it (vLLM by its model list, llama-server by /props); "
            "name it where a proxy hides what serves behind it. It decides the grammar's field."
        ),
    )
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description=(
            "Embedding model for /v1/embeddings and ToolRAG: 'all-MiniLM-L6-v2' (bundled, offline) or a path "
            "(a sentence-transformers model, or for the onnx backend a folder with model.onnx and tokenizer.json)."
        ),
    )
    embedding_backend: Literal["onnx", "sentence-transformers"] = Field(
        "onnx",
        description=(
            "Runs the embedding model: 'onnx' (onnxruntime, MiniLM's int8 export: ~3x faster per query, no torch "
            "loaded) or 'sentence-transformers' (torch)."
        ),
    )

    # --- agent -------------------------------------------------------------
    enabled_apps: list[str] = Field(
        default_factory=lambda: list(APPS),
        description="Apps whose tools the planner may use: calendar contacts files mail maps notes reminders sms zoom.",
    )
    planner_instructions: str | None = Field(
        None, description="Custom instructions added to every planner prompt (requests may add their own)."
    )
    plan_grammar: bool = Field(
        True,
        description="Constrain plan generation with a grammar built from the enabled tools (valid plans only).",
    )
    toolrag: bool = Field(
        True, description="Pick the tools and in-context examples for each query with ToolRAG (requests may override)."
    )
    toolrag_mode: Literal["embedding", "classifier"] = Field(
        "embedding",
        description="ToolRAG tool selection: 'embedding' (offline, bundled) or 'classifier' (the DeBERTa checkpoint).",
    )
    toolrag_classifier: str = Field(
        "squeeze-ai-lab/TinyAgent-ToolRAG", description="Path or hub id of the ToolRAG classifier checkpoint."
    )
    toolrag_top_k: int = Field(6, ge=0, le=32, description="In-context examples ToolRAG retrieves per query.")
    toolrag_threshold: float | None = Field(
        None, gt=0, lt=1, description="Tool-selection score threshold (default: calibrated per mode)."
    )
    tool_backend: Literal["macos", "sandbox"] | None = Field(
        None,
        description="Tool worker backend: macos drives the Mac's apps, sandbox a SQLite world (default: by platform).",
    )
    tool_worker_socket: Path | None = Field(
        None,
        description="Connect to a tool worker already listening on this Unix socket instead of starting one.",
    )
    tool_timeout_s: float = Field(30.0, gt=0, description="Deadline for one tool call, in seconds.")
    send_drafts: bool = Field(
        False,
        description="Mail and Messages tools send messages instead of leaving drafts for you to review.",
    )
    mcp_config: Path | None = Field(
        None,
        description="MCP servers whose tools plans may use: a JSON file in the mcpServers format other hosts read "
        "(docs/mcp.md).",
    )
    mcp_servers: list[str] | None = Field(
        None, description="Which of the MCP config's servers to start (default: all of them)."
    )
    mcp_start_timeout_s: float = Field(
        30.0, gt=0, description="How long an MCP server may take to start and list its tools, in seconds."
    )
    zoom_token: SecretStr | None = Field(None, description="Zoom API access token for get_zoom_meeting_link.")
    zoom_api_base: str = Field("https://api.zoom.us/v2", description="Zoom REST API base URL.")

    # --- agent runs (/run) ---------------------------------------------------
    run_timeout_s: float = Field(
        300.0, gt=0, description="Deadline for a whole run (planning, tools, approvals, answer), in seconds."
    )
    max_tasks_per_run: int = Field(
        32, ge=1, description="Most tasks one run may execute over all its planning rounds; beyond it the run fails."
    )
    max_replans: int = Field(
        1, ge=0, description="Extra planning rounds when the joiner answers Replan (upstream: 1; 0 = never replan)."
    )
    join_style: Literal["model", "rules"] | None = Field(
        None,
        description="How runs decide after each round: model (upstream's joiner) or rules (finish when every task "
        "succeeded, replan only a plan that stopped on an error, answer from the observations). Default: the model "
        "profile's (rules for the small embedded models).",
    )
    approval: Literal["never", "writes", "always"] = Field(
        "never",
        description="Ask before running tools: never, writes (tools that create or send something), always. "
        "Requests may override it.",
    )
    approval_timeout_s: float = Field(
        120.0, gt=0, description="How long a run waits for approve/deny before skipping the task, in seconds."
    )
    run_plan_tokens: bool = Field(False, description="Send every planner token to /run clients as plan_token events.")
    cancel_on_disconnect: bool = Field(
        False,
        description="Cancel a run when the client that started it disconnects (default: it goes on; clients resume "
        "with Last-Event-ID).",
    )
    sync_run_timeout_s: float = Field(
        120.0, gt=0, description="How long POST /run with stream=false waits for the answer before replying."
    )
    runs_db: Path | None = Field(None, description="The run store, an SQLite file (default: <data_dir>/runs.sqlite).")

    # --- server ------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address to bind. Anything but loopback requires --api-key.")
    port: int = Field(50001, ge=0, le=65535, description="Port to bind.")
    api_key: SecretStr | None = Field(None, description="Require 'Authorization: Bearer <key>' on every API request.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Extra Host header names accepted besides loopback names (DNS-rebinding protection).",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed by CORS (exact origins; '*' is refused)."
    )
    queue_depth: int = Field(
        16,
        ge=1,
        description="Requests that may wait for the model; past this the server answers 503 with Retry-After.",
    )
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Largest accepted request body (413 above).")
    max_tokens_limit: int = Field(
        4096,
        ge=1,
        description="Upper bound on max_tokens for one request; larger values are clamped to the context.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory for everything the server writes: run store, caches, assembled models.",
    )
    toolrag_cache_dir: Path | None = Field(
        None,
        description=(
            "Where the ToolRAG index's embeddings are cached, keyed by bank and embedder, so servers can share "
            "it (default: <data_dir>/toolrag)."
        ),
    )
    warm_up: bool = Field(
        True,
        description=(
            "Before /health turns 200, load everything a plan needs and write one plan, so the first request is "
            "as fast as the tenth."
        ),
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level.")
    log_json: bool = Field(False, description="Write logs as JSON lines.")

    @model_validator(mode="after")
    def _check_apps(self) -> Settings:
        unknown = sorted(set(self.enabled_apps) - set(APPS))
        if unknown:
            raise ValueError(f"enabled_apps: unknown apps {unknown}; valid: {', '.join(APPS)}")
        return self

    @model_validator(mode="after")
    def _check_security(self) -> Settings:
        if "*" in self.cors_origins:
            raise ValueError("cors_origins: '*' is refused; list the exact origins allowed")
        if not is_loopback(self.host) and self.api_key is None:
            raise ValueError(
                f"binding to {self.host} exposes the server beyond this machine; set an API key "
                "(--api-key or TINYAGENT_API_KEY) first"
            )
        return self

    def toolrag_cache(self) -> Path:
        return self.toolrag_cache_dir if self.toolrag_cache_dir is not None else self.data_dir / "toolrag"

    def enabled_tools(self) -> ToolSet:
        """The tools of the enabled apps: all that /tools lists and /plan, /run and the CLIs may use."""
        return ToolSet.for_apps(self.enabled_apps)  # [] = no tools: join-only plans

    def host_allow_list(self) -> frozenset[str]:
        names = set(LOOPBACK_NAMES) | {h.lower() for h in self.allowed_hosts}
        if not is_loopback(self.host) and self.host not in {"0.0.0.0", "::"}:
            names.add(self.host.lower())
        return frozenset(names)
