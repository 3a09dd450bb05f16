"""One model, a bounded FIFO queue, and a client that disconnects frees the model."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import openai
import pytest

from harness import LiveServer, hold_model, live_server, wait_for
from tinyagent.settings import Settings

USER = [{"role": "user", "content": "hi"}]
# A grammar with no end: generation can only stop at max_tokens (or when cancelled).
ENDLESS = "root ::= [a-z] root"


@pytest.fixture
def small_queue_server(tiny_settings: Settings) -> Iterator[LiveServer]:
    with live_server(tiny_settings.model_copy(update={"queue_depth": 1})) as server:
        yield server


def busy(server: LiveServer) -> tuple[bool, int]:
    queue = httpx.get(server.url + "/health").json()["queue"]
    return queue["busy"], queue["waiting"]


def test_queue_full_is_503_with_retry_after(small_queue_server: LiveServer) -> None:
    server = small_queue_server
    release = threading.Event()
    holder = hold_model(server, release)
    waiter_result: list[int] = []
    waiter = threading.Thread(
        target=lambda: waiter_result.append(
            httpx.post(
                server.v1 + "/chat/completions", json={"messages": USER, "max_tokens": 4}, timeout=60
            ).status_code
        )
    )
    waiter.start()
    wait_for(lambda: busy(server) == (True, 1), "queued")
    client = openai.OpenAI(base_url=server.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="default", messages=USER, max_tokens=4)
    assert info.value.status_code == 503
    assert info.value.response.headers["retry-after"].isdigit()
    assert info.value.body["code"] == "server_busy"  # type: ignore[index]
    release.set()
    holder.join(30)
    waiter.join(30)
    assert waiter_result == [200]  # the queued request was served, not dropped


def test_disconnect_frees_the_model(small_queue_server: LiveServer) -> None:
    server = small_queue_server
    body = {"prompt": "the", "max_tokens": 1900, "grammar": ENDLESS, "stream": True}
    with (
        httpx.Client(timeout=30) as http,
        http.stream("POST", server.v1 + "/completions", json=body) as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()  # keep the iterator: dropping it closes the stream
        assert next(lines).startswith("data: ")
        assert busy(server)[0] is True
    # The stream is closed mid-generation: the model must become free without finishing 1900 tokens.
    wait_for(lambda: busy(server) == (False, 0), "free")
    with openai.OpenAI(base_url=server.v1, api_key="x", max_retries=0) as client:
        assert client.completions.create(model="default", prompt="the", max_tokens=2).choices


def test_disconnect_during_non_streamed_request(small_queue_server: LiveServer) -> None:
    server = small_queue_server
    body = {"prompt": "the", "max_tokens": 1900, "grammar": ENDLESS}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.v1 + "/completions", json=body, timeout=0.05)
    wait_for(lambda: busy(server) == (False, 0), "free")
