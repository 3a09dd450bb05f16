"""Generation on a remote OpenAI-compatible server (llama-server, vLLM, another TinyAgent Server).

Prompts are already formatted by our chat layer, so this uses the plain /completions endpoint. The
servers differ in four ways, learnt at connect time (the "dialect"):

- the context length: vLLM lists ``max_model_len`` in /v1/models, llama.cpp's llama-server answers
  ``/props`` (``default_generation_settings.n_ctx``), llama-cpp-python's server says nothing; then
  ``--llm-context-length`` is the only source, and unknown (0) means no local limit, never a limit of 0;
- the grammar: llama.cpp servers (and ours) take GBNF in a top-level ``grammar`` field; vLLM takes it
  as ``structured_outputs.grammar`` (0.10.2 and later) or ``guided_grammar`` (before), both sent;
- tokens: ``/extras/tokenize`` (llama-cpp-python, ours), ``/tokenize`` (llama-server, vLLM);
- usage: a streamed final chunk where the server honours ``stream_options.include_usage``; where it
  does not (llama-cpp-python's server), the prompt and the reply are counted with the remote tokenizer.

Whether the grammar arrives is tried once at connect time (a one-word grammar no model would write
unasked). Where it does not, ``info.grammar`` is False: start-up warns, /health says so, and the chat
layer checks every tool call against its schema instead of trusting the grammar.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from tinyagent.errors import ContextLengthExceeded, InvalidRequest, ServerBusy, ServiceError, UpstreamError
from tinyagent.inference.admission import admitted
from tinyagent.inference.loopback_http import HttpStatusError, LoopbackStreamer
from tinyagent.inference.types import (
    Finished,
    FinishReason,
    GenerationEvent,
    GenerationParams,
    ModelInfo,
    TextDelta,
    Usage,
)

log = logging.getLogger(__name__)

# Remote prompt evaluation (and the remote's own queue) can take minutes on a CPU box.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=10.0)
# Used only when the remote cannot tokenize: roughly 4 bytes per token for English BPE vocabularies.
BYTES_PER_TOKEN_ESTIMATE = 4
_NO_TOKENIZER = "none"  # remembered route when the remote has no tokenize endpoint
Tokenizer = Callable[[str], list[int]]
# How the loopback streamer fails (see loopback_http.py); httpx wraps the same in httpx.HTTPError.
_TRANSPORT_ERRORS = (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


@dataclass
class _StreamState:
    """What one streamed completion has told us so far."""

    started: float = field(default_factory=time.perf_counter)
    first_text_at: float = 0.0
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    done: bool = False
    chunks: int = 0  # data lines seen


class RemoteBackend:
    """Backend that forwards formatted prompts to a remote /v1/completions endpoint."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        info: ModelInfo,
        *,
        tokenizer: Tokenizer | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        streamer: LoopbackStreamer | None = None,
    ) -> None:
        """``info.dialect``: "llama-server", "vllm" or "openai" (llama-cpp-python's server, ours, others).

        ``tokenizer``: the same model's tokenizer in this process (a server we started on a local GGUF),
        which saves a round trip before every generation; ``on_close`` runs after the client closes;
        ``streamer``: generations go through it instead of ``client`` (our own llama-server child)."""
        self._client = client
        self._streamer = streamer
        self._streamer_path = urlsplit(base_url.rstrip("/")).path + "/completions"
        self._tokenizer = tokenizer
        self._on_close = on_close
        self._base = base_url.rstrip("/")
        self._root = self._base.removesuffix("/v1")
        self._info = info
        # Which tokenize endpoint the remote has: learnt on first use (None = not yet known).
        self._tokenize_route: str | None = None

    @classmethod
    async def connect(
        cls,
        base_url: str,
        *,
        api_key: str | None,
        model: str | None = None,
        context_length: int | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        tokenizer: Tokenizer | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        source: str | None = None,
        fallback_reason: str | None = None,
        dialect: str = "auto",
        loopback: bool = False,
    ) -> RemoteBackend:
        """Ask the remote which model it serves (its first one unless ``model`` is given) and what it is.

        ``context_length`` (the setting) wins over what the remote says; ``source`` and ``fallback_reason``
        describe a model we started the remote on (its URL is the source otherwise); ``dialect`` other
        than "auto" overrides what the remote seems to be; ``loopback``: a plain-HTTP server on this machine
        that we started, whose generations go through a LoopbackStreamer."""
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        client = httpx.AsyncClient(headers=headers, timeout=timeout)
        base = base_url.rstrip("/")
        try:
            entries = await _list_models(client, base)
            info = _model_info(entries, model, base)
            props = await _props(client, base.removesuffix("/v1"))
            info = _with_dialect(info, entries, props, context_length)
            if dialect != "auto":
                info = replace(info, dialect=dialect)
            grammar = await _grammar_arrives(client, base, info)
            info = replace(info, source=source or info.source, fallback_reason=fallback_reason, grammar=grammar)
        except BaseException:
            await client.aclose()
            raise
        known = f"context {info.context_length}" if info.context_length else "context length unknown"
        log.info("using remote model %s at %s (%s, %s)", info.id, base, info.dialect, known)
        if not info.grammar:
            log.warning(
                "remote %s ignored a grammar sent as %s: outputs are unconstrained, and tool calls and plans "
                "are checked here instead (try --llm-dialect)", base, info.dialect,
            )  # fmt: skip
        streamer = None
        if loopback:
            root = base.removesuffix(urlsplit(base).path)
            streamer = LoopbackStreamer(root, headers, connect_s=timeout.connect or 10.0, read_s=timeout.read or 600.0)
        return cls(client, base, info, tokenizer=tokenizer, on_close=on_close, streamer=streamer)

    @property
    def info(self) -> ModelInfo:
        return self._info

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._on_close is not None:
            await self._on_close()

    async def generate(self, prompt: str, params: GenerationParams) -> AsyncIterator[GenerationEvent]:
        room, prompt_tokens = await self._room_for(prompt, params.max_tokens)
        body = self._body(prompt, params, room)
        state = _StreamState()
        text: list[str] = []
        try:
            async with contextlib.aclosing(self._lines(body)) as lines:
                async for line in lines:
                    for event in _parse_line(line, state):
                        if isinstance(event, TextDelta):
                            text.append(event.text)
                        yield event
                    if state.done:
                        break
        except HttpStatusError as exc:
            raise _http_error(httpx.Response(exc.status, headers=exc.headers, content=exc.content)) from None
        except (httpx.HTTPError, *_TRANSPORT_ERRORS) as exc:
            raise UpstreamError(f"remote model server {self._base} failed: {exc!r}") from exc
        if state.finish_reason is None:
            if not state.chunks:
                await self._raise_why_empty(body)
            raise UpstreamError(f"remote model server {self._base} ended the stream without finishing")
        if not state.usage:  # the remote ignored include_usage: count with its tokenizer
            state.usage = await self._counted_usage(prompt, "".join(text), prompt_tokens)
        yield _finished(state)

    def _lines(self, body: dict[str, Any]) -> AsyncGenerator[str, None]:
        if self._streamer is not None:
            # Our llama-server child refuses a bad grammar before its 200, and the context is checked here.
            return self._streamer.lines(self._streamer_path, body, on_accepted=admitted)
        return self._httpx_lines(body)

    async def _httpx_lines(self, body: dict[str, Any]) -> AsyncGenerator[str, None]:
        async with self._client.stream("POST", f"{self._base}/completions", json=body) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                raise _http_error(resp)
            # No admitted() here: some servers answer 200 before checking (llama-cpp-python's, a prompt past
            # its context is an empty 200 stream), so the stream's first event stays the sign.
            async for line in resp.aiter_lines():
                yield line

    async def _raise_why_empty(self, body: dict[str, Any]) -> None:
        """Ask once more, unstreamed and for one token, why a stream came back empty; raise the remote's error.

        llama-cpp-python's server checks the context only once its stream has begun: a prompt it cannot
        take comes back as an empty 200 stream, while the same request unstreamed is a 400 that says why
        (``context_length_exceeded``). This costs a request only on that failure path."""
        probe = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        probe["max_tokens"] = 1
        for _ in range(2):  # that server drops its connection after such a stream: the pooled one may be dead
            try:
                resp = await self._client.post(f"{self._base}/completions", json=probe)
            except httpx.TransportError:
                continue  # the caller reports the empty stream if the second try fails too
            if resp.status_code >= 400:
                raise _http_error(resp)
            return

    async def _counted_usage(self, prompt: str, reply: str, prompt_tokens: int | None) -> dict[str, Any]:
        """``prompt_tokens``: the prompt's count when _room_for already measured it."""
        if prompt_tokens is None:
            prompt_tokens = await self.count_tokens(prompt)
        completion = max(await self.count_tokens(prompt + reply) - prompt_tokens, 1 if reply else 0)
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion}

    def _body(self, prompt: str, params: GenerationParams, max_tokens: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._info.id,
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if params.seed is not None:
            body["seed"] = params.seed
        if params.stop:
            body["stop"] = list(params.stop)
        if params.grammar:
            body.update(_grammar_fields(self._info.dialect, params.grammar))
        return body

    async def tokenize(self, text: str) -> list[int]:
        tokens = await self._remote_tokens(text)
        if tokens is None:
            raise UpstreamError(f"remote model server {self._root} offers no tokenize endpoint")
        return tokens

    async def count_tokens(self, text: str) -> int:
        tokens = await self._remote_tokens(text)
        return len(tokens) if tokens is not None else _estimate_tokens(text)

    async def _room_for(self, prompt: str, max_tokens: int) -> tuple[int, int | None]:
        """Clamp max_tokens to the room the prompt leaves, as the local backend does; and the prompt's
        token count when it was measured (None otherwise).

        Servers reject (vLLM, ours) or truncate (llama-server) a max_tokens that
        does not fit, so the prompt is measured first: one extra local round trip.
        """
        n_ctx = self._info.context_length
        if n_ctx <= 0:
            return max_tokens, None  # the remote did not say; let it judge
        if _most_tokens(prompt) + max_tokens <= n_ctx:
            return max_tokens, None  # fits whatever the count: no need to count (~0.4 ms on a short prompt)
        tokens = await self._remote_tokens(prompt)
        if tokens is None:
            return min(max_tokens, n_ctx - 1), None
        if len(tokens) >= n_ctx:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {n_ctx} tokens, but the prompt has {len(tokens)} "
                "tokens (no room left for a reply). Shorten the messages.",
                param="messages",
            )
        return min(max_tokens, n_ctx - len(tokens)), len(tokens)

    async def _remote_tokens(self, text: str) -> list[int] | None:
        """Token ids from the remote, or None if it has no tokenize endpoint."""
        if self._tokenizer is not None:
            return self._tokenizer(text)
        # llama-cpp-python's server (and ours) serve /extras/tokenize; llama-server serves /tokenize.
        routes = [self._tokenize_route] if self._tokenize_route else ["/extras/tokenize", "/tokenize"]
        try:
            for route in routes:
                if route == _NO_TOKENIZER:
                    return None
                body = {"input": text} if route == "/extras/tokenize" else {"content": text, "add_special": True}
                resp = await self._client.post(f"{self._root}{route}", json=body)
                if resp.status_code in (404, 405):
                    continue
                if resp.status_code >= 400:
                    raise _http_error(resp)
                self._tokenize_route = route
                return [int(t) for t in resp.json()["tokens"]]
        except httpx.HTTPError as exc:
            raise UpstreamError(f"remote model server {self._root} failed: {exc!r}") from exc
        log.warning("remote %s cannot tokenize; token counts are estimates", self._root)
        self._tokenize_route = _NO_TOKENIZER
        return None


PROBE_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# A grammar whose only sentence no model writes unasked after the prompt below.
_PROBE_GRAMMAR, _PROBE_TEXT = 'root ::= "q7z"', "q7z"


async def _grammar_arrives(client: httpx.AsyncClient, base: str, info: ModelInfo) -> bool:
    """Whether the remote constrains its generation by a grammar sent in the dialect's field."""
    body = {"model": info.id, "prompt": "Say hello:", "max_tokens": 6, "temperature": 0.0}
    body.update(_grammar_fields(info.dialect, _PROBE_GRAMMAR))
    try:  # bounded: a remote busy with others must not hold start-up for the generation read timeout
        resp = await client.post(f"{base}/completions", json=body, timeout=PROBE_TIMEOUT)
    except httpx.HTTPError as exc:
        log.warning("could not try a grammar on the remote %s: %r", base, exc)
        return False
    if resp.status_code != 200:  # a server that refuses the field takes no grammar either
        return False
    try:
        text = resp.json()["choices"][0]["text"]
    except (ValueError, LookupError, TypeError):
        return False
    return isinstance(text, str) and text.strip() == _PROBE_TEXT


def _grammar_fields(dialect: str | None, grammar: str) -> dict[str, Any]:
    if dialect == "vllm":  # structured_outputs since vLLM 0.10.2; guided_grammar before (ignored after)
        return {"structured_outputs": {"grammar": grammar}, "guided_grammar": grammar}
    return {"grammar": grammar}


async def _props(client: httpx.AsyncClient, root: str) -> dict[str, Any] | None:
    """llama-server's /props, or None where there is none."""
    try:
        resp = await client.get(f"{root}/props")
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    try:
        data = resp.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _with_dialect(
    info: ModelInfo, entries: list[dict[str, Any]], props: dict[str, Any] | None, setting: int | None
) -> ModelInfo:
    if props is not None and ("default_generation_settings" in props or "n_ctx" in props):
        dialect = "llama-server"
        settings = props.get("default_generation_settings") or {}
        learnt = int(settings.get("n_ctx") or props.get("n_ctx") or 0)
    elif any(e.get("owned_by") == "vllm" or "max_model_len" in e for e in entries):
        dialect, learnt = "vllm", info.context_length
    else:
        dialect, learnt = "openai", info.context_length
    return replace(info, dialect=dialect, context_length=setting or learnt or info.context_length)


def _most_tokens(text: str) -> int:
    """An upper bound on any tokenizer's count: every token spells at least one byte of the text (BPE and
    SentencePiece with byte fallback alike), plus BOS, EOS and SentencePiece's leading-space piece."""
    return len(text.encode("utf-8")) + 3


def _estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN_ESTIMATE)


async def _list_models(client: httpx.AsyncClient, base: str) -> list[dict[str, Any]]:
    try:
        resp = await client.get(f"{base}/models")
    except httpx.HTTPError as exc:
        raise UpstreamError(f"cannot reach remote model server {base}: {exc!r}") from exc
    if resp.status_code >= 400:
        raise _http_error(resp)
    entries = resp.json().get("data") or []
    if not entries:
        raise UpstreamError(f"remote model server {base} lists no models")
    return list(entries)


def _model_info(entries: list[dict[str, Any]], wanted: str | None, base: str) -> ModelInfo:
    fallback: dict[str, Any] = {"id": wanted}  # a model the remote does not list may still be served
    entry = entries[0] if wanted is None else next((e for e in entries if e.get("id") == wanted), fallback)
    meta = entry.get("meta") or {}
    # Servers disagree on where (and whether) they publish the context length; 0 = unknown.
    n_ctx = entry.get("context_length") or entry.get("max_model_len") or meta.get("n_ctx_train") or 0
    return ModelInfo(id=str(entry["id"]), context_length=int(n_ctx), source=base)


def _parse_line(line: str, state: _StreamState) -> list[GenerationEvent]:
    if not line.startswith("data:"):
        return []  # SSE comments, event names, blank separators
    data = line[len("data:") :].strip()
    state.chunks += 1
    if data == "[DONE]":
        state.done = True
        return []
    chunk = json.loads(data)
    if "error" in chunk:  # an error after the stream started can only arrive in-band
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise UpstreamError(f"remote model server failed mid-stream: {message}")
    if chunk.get("usage"):
        state.usage = chunk["usage"]
    events: list[GenerationEvent] = []
    for choice in chunk.get("choices") or []:
        if choice.get("text"):
            if not state.first_text_at:
                state.first_text_at = time.perf_counter()
            events.append(TextDelta(choice["text"]))
        if choice.get("finish_reason"):
            state.finish_reason = choice["finish_reason"]
    return events


def _finished(state: _StreamState) -> Finished:
    now = time.perf_counter()
    usage = state.usage or {}
    details = usage.get("prompt_tokens_details") or {}
    completion = int(usage.get("completion_tokens") or 0)
    first = state.first_text_at or now
    reason: FinishReason = "length" if state.finish_reason == "length" else "stop"
    return Finished(
        finish_reason=reason,
        usage=Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=completion,
            cached_tokens=int(details.get("cached_tokens") or 0),
        ),
        timings={
            "prompt_s": first - state.started,
            "total_s": now - state.started,
            "tokens_per_s": (completion - 1) / (now - first) if completion > 1 and now > first else 0.0,
        },
    )


def _error_fields(resp: httpx.Response) -> dict[str, Any]:
    """The OpenAI error object of a response, or what passes for one."""
    try:
        payload = resp.json()
    except ValueError:
        return {}
    if not isinstance(payload, dict):
        return {}
    error = payload.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    if "detail" in payload:  # FastAPI's default error body
        return {"message": str(payload["detail"])}
    return {}


def _http_error(resp: httpx.Response) -> ServiceError:
    """Map a remote error response to ours, keeping the remote's OpenAI error message."""
    error = _error_fields(resp)
    message = str(error.get("message") or resp.text[:500] or resp.reason_phrase)
    status = resp.status_code
    if status in (429, 503):
        retry = resp.headers.get("retry-after", "1")
        return ServerBusy(f"remote model server is busy: {message}", retry_after=int(retry) if retry.isdigit() else 1)
    if status in (401, 403) or status >= 500 or status < 400:
        # A rejected API key is our configuration problem, not the client's request.
        return UpstreamError(f"remote model server answered {status}: {message}")
    param = error.get("param")
    if error.get("code") == "context_length_exceeded":
        return ContextLengthExceeded(message, param=param)
    return InvalidRequest(message, param=param)
