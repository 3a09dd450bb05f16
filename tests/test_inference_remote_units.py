"""RemoteBackend against a small scripted OpenAI-compatible server on loopback.

The end-to-end test against a second instance of our own server is
test_inference_remote.py; this one pins the wire details: request body, SSE
parsing, error mapping and closing the HTTP stream early.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from tinyagent.errors import ContextLengthExceeded, InvalidRequest, ServerBusy, UpstreamError
from tinyagent.inference.remote_backend import RemoteBackend
from tinyagent.inference.types import Finished, GenerationEvent, GenerationParams, TextDelta

pytestmark = pytest.mark.anyio

N_CTX = 256
HANG_GUARD_S = 30  # only turns a hang into a failure


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _chunk(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"object": "text_completion", "choices": [{"index": 0, "text": text, "finish_reason": finish}]}


@dataclass
class FakeUpstream:
    """An ASGI app scripted per test; records what it was sent."""

    chunks: list[dict[str, Any]] = field(default_factory=list)
    error: tuple[int, dict[str, Any]] | None = None
    endless: bool = False
    tokenizer: bool = True
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.chunks, self.error, self.endless, self.tokenizer = [], None, False, True
        self.requests.clear()
        self.disconnected.clear()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.requests.append((scope["path"], json.loads(body) if body else {}))
        if scope["path"] == "/v1/models":
            await _json(send, 200, {"data": [{"id": "fake-1", "context_length": N_CTX}, {"id": "fake-2"}]})
        elif scope["path"] == "/extras/tokenize" and self.tokenizer:
            await _json(send, 200, {"tokens": list(range(len(self.requests[-1][1]["input"])))})
        elif scope["path"] == "/v1/completions" and not self.requests[-1][1].get("stream"):
            # unstreamed: the connect-time grammar probe; this server ignores grammars and writes nothing
            await _json(send, *(self.error or (200, {"choices": [{"text": "", "finish_reason": "stop"}]})))
        elif scope["path"] == "/v1/completions":
            await self._complete(receive, send)
        else:
            await _json(send, 404, {"detail": "Not Found"})

    async def _complete(self, receive: Any, send: Any) -> None:
        if self.error is not None:
            await _json(send, *self.error)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        watcher = asyncio.create_task(self._watch(receive))
        for chunk in self.chunks:
            await send(
                {
                    "type": "http.response.body",
                    "body": f"data: {json.dumps(chunk)}\n\n".encode(),
                    "more_body": True,
                }
            )
        while self.endless and not self.disconnected.is_set():
            await send(
                {
                    "type": "http.response.body",
                    "body": b'data: {"choices":[{"text":"x"}]}\n\n',
                    "more_body": True,
                }
            )
            await asyncio.sleep(0.001)
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
        watcher.cancel()

    async def _watch(self, receive: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.disconnected.set()


async def _json(send: Any, status: int, payload: dict[str, Any]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[FakeUpstream, str]]:
    app = FakeUpstream()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    yield app, f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    server.should_exit = True
    thread.join(HANG_GUARD_S)
    sock.close()


@pytest.fixture(params=[False, True], ids=["httpx", "loopback"])
def loopback(request: pytest.FixtureRequest) -> bool:
    """Generations over httpx (remote servers) or the LoopbackStreamer (our llama-server child)."""
    return bool(request.param)


@pytest.fixture
def upstream(_server: tuple[FakeUpstream, str]) -> tuple[FakeUpstream, str]:
    _server[0].reset()
    return _server


async def _collect(backend: RemoteBackend, prompt: str, params: GenerationParams) -> list[GenerationEvent]:
    async with asyncio.timeout(HANG_GUARD_S):
        return [event async for event in backend.generate(prompt, params)]


async def test_connect_picks_the_first_model_unless_told(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream
    first = await RemoteBackend.connect(url + "/", api_key=None)
    chosen = await RemoteBackend.connect(url, api_key="k", model="fake-2")
    try:
        assert (first.info.id, first.info.context_length, first.info.source) == ("fake-1", N_CTX, url)
        assert (chosen.info.id, chosen.info.context_length) == ("fake-2", 0)
    finally:
        await first.aclose()
        await chosen.aclose()


async def test_streams_text_then_finished_with_the_remote_usage(
    upstream: tuple[FakeUpstream, str], loopback: bool
) -> None:
    app, url = upstream
    app.chunks = [
        _chunk("Hel"),
        _chunk("lo"),
        _chunk("", "length"),
        {
            "choices": [],
            "usage": {
                "prompt_tokens": 7,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 5},
            },
        },
    ]
    backend = await RemoteBackend.connect(url, api_key=None, loopback=loopback)
    params = GenerationParams(max_tokens=1000, seed=4, stop=("\n",), grammar='root ::= "Hello"')
    events = await _collect(backend, "say hello", params)
    await backend.aclose()

    assert events[:-1] == [TextDelta("Hel"), TextDelta("lo")]
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert finished.finish_reason == "length"
    assert (finished.usage.prompt_tokens, finished.usage.completion_tokens, finished.usage.cached_tokens) == (
        7,
        2,
        5,
    )
    path, body = app.requests[-1]
    assert path == "/v1/completions"
    assert body["grammar"] == 'root ::= "Hello"'
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (body["model"], body["seed"], body["stop"]) == ("fake-1", 4, ["\n"])
    assert body["max_tokens"] == N_CTX - len("say hello")  # clamped to the room the prompt leaves


async def test_prompt_longer_than_the_remote_context_is_rejected_locally(
    upstream: tuple[FakeUpstream, str],
) -> None:
    app, url = upstream
    backend = await RemoteBackend.connect(url, api_key=None)
    connected = len(app.requests)  # the grammar probe is one completion, at connect time
    with pytest.raises(ContextLengthExceeded):
        await _collect(backend, "x" * N_CTX, GenerationParams(max_tokens=4))
    await backend.aclose()
    assert all(path != "/v1/completions" for path, _ in app.requests[connected:])


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (
            400,
            {"error": {"message": "bad grammar", "param": "grammar", "code": "invalid_request"}},
            InvalidRequest,
        ),
        (400, {"error": {"message": "too long", "code": "context_length_exceeded"}}, ContextLengthExceeded),
        (503, {"error": {"message": "queue full", "code": "server_busy"}}, ServerBusy),
        (500, {"error": {"message": "boom"}}, UpstreamError),
        (401, {"error": {"message": "bad key"}}, UpstreamError),
    ],
)
async def test_remote_errors_are_mapped_and_keep_their_message(
    upstream: tuple[FakeUpstream, str], status: int, payload: dict[str, Any], expected: type[Exception], loopback: bool
) -> None:
    app, url = upstream
    app.error = (status, payload)
    backend = await RemoteBackend.connect(url, api_key=None, loopback=loopback)
    with pytest.raises(expected) as err:
        await _collect(backend, "hi", GenerationParams(max_tokens=4))
    await backend.aclose()
    assert type(err.value) is expected
    assert payload["error"]["message"] in str(err.value)


async def test_unreachable_remote_is_an_upstream_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(UpstreamError):
            await RemoteBackend.connect(f"http://127.0.0.1:{port}/v1", api_key=None)


async def test_stream_cut_before_finishing_is_an_upstream_error(
    upstream: tuple[FakeUpstream, str], loopback: bool
) -> None:
    app, url = upstream
    app.chunks = [_chunk("partial")]
    backend = await RemoteBackend.connect(url, api_key=None, loopback=loopback)
    with pytest.raises(UpstreamError):
        await _collect(backend, "hi", GenerationParams(max_tokens=4))
    await backend.aclose()


async def test_closing_early_closes_the_http_stream(upstream: tuple[FakeUpstream, str], loopback: bool) -> None:
    app, url = upstream
    app.endless = True
    backend = await RemoteBackend.connect(url, api_key=None, loopback=loopback)
    stream = backend.generate("hi", GenerationParams(max_tokens=4))
    assert await anext(stream) == TextDelta("x")
    await stream.aclose()  # type: ignore[attr-defined]

    assert await asyncio.to_thread(app.disconnected.wait, HANG_GUARD_S)
    await backend.aclose()


async def test_a_prompt_that_fits_whatever_its_count_is_not_tokenized(upstream: tuple[FakeUpstream, str]) -> None:
    """Each token spells at least one byte, so bytes + 3 (BOS, EOS, a leading-space piece) bounds the
    count: below the context there is nothing to clamp and the tokenize round trip is skipped."""
    app, url = upstream
    app.chunks = [_chunk("ok", "stop"), {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 1}}]
    backend = await RemoteBackend.connect(url, api_key=None)
    for prompt in ("x" * (N_CTX - 7), "x" * (N_CTX - 6)):  # 249 + 3 + 4 fits; 250 + 3 + 4 might not
        await _collect(backend, prompt, GenerationParams(max_tokens=4))
    await backend.aclose()
    paths = [path for path, _ in app.requests]
    assert paths[-3:] == ["/v1/completions", "/extras/tokenize", "/v1/completions"]
    assert [body["max_tokens"] for path, body in app.requests if path == "/v1/completions"][-2:] == [4, 4]


async def test_count_tokens_uses_the_remote_tokenizer_or_estimates(
    upstream: tuple[FakeUpstream, str],
) -> None:
    app, url = upstream
    backend = await RemoteBackend.connect(url, api_key=None)
    assert await backend.count_tokens("twelve chars") == 12
    assert await backend.tokenize("abc") == [0, 1, 2]
    await backend.aclose()

    app.tokenizer = False
    fallback = await RemoteBackend.connect(url, api_key=None)
    assert await fallback.count_tokens("twelve chars") == 3  # about 4 bytes a token
    with pytest.raises(UpstreamError):
        await fallback.tokenize("abc")
    await fallback.aclose()
