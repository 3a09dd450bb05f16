"""Security defaults: Host allow-list, API key, CORS, refusing exposed binds without a key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from pydantic import SecretStr, ValidationError

from harness import LiveServer, live_server
from tinyagent.cli.main import main
from tinyagent.settings import Settings

KEY = "s3cret-key"


@pytest.fixture(scope="module")
def keyed_server(tiny_settings: Settings) -> Iterator[LiveServer]:
    settings = tiny_settings.model_copy(update={"api_key": SecretStr(KEY), "cors_origins": ["https://app.example"]})
    with live_server(settings) as server:
        yield server


def test_foreign_host_header_is_403(tiny_server: LiveServer) -> None:
    for host in ("evil.example", "evil.example:50001", "127.0.0.1.evil.example"):
        response = httpx.get(tiny_server.url + "/v1/models", headers={"host": host})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "host_not_allowed"
    for host in ("localhost", "127.0.0.1:1234", "[::1]:80"):
        assert httpx.get(tiny_server.url + "/v1/models", headers={"host": host}).status_code == 200


def test_no_cors_headers_by_default(tiny_server: LiveServer) -> None:
    headers = {"origin": "https://evil.example", "access-control-request-method": "POST"}
    response = httpx.options(tiny_server.url + "/v1/chat/completions", headers=headers)
    assert "access-control-allow-origin" not in response.headers
    response = httpx.get(tiny_server.url + "/v1/models", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_api_key_required(keyed_server: LiveServer) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": KEY}):
        response = httpx.get(keyed_server.url + "/v1/models", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    ok = httpx.get(keyed_server.url + "/v1/models", headers={"authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200
    assert httpx.get(keyed_server.url + "/health").status_code == 200  # probes need no key


def test_openai_client_with_and_without_key(keyed_server: LiveServer) -> None:
    bad = openai.OpenAI(base_url=keyed_server.v1, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    with openai.OpenAI(base_url=keyed_server.v1, api_key=KEY, max_retries=0) as good:
        models = good.models.list().data
        assert "default" in [m.id for m in models[1:]]  # the served model first, then its aliases


def test_cors_only_for_configured_origins(keyed_server: LiveServer) -> None:
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}
    allowed = httpx.options(
        keyed_server.url + "/v1/chat/completions", headers={"origin": "https://app.example", **preflight}
    )
    assert allowed.headers.get("access-control-allow-origin") == "https://app.example"
    denied = httpx.options(
        keyed_server.url + "/v1/chat/completions", headers={"origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in denied.headers


def test_exposed_bind_without_key_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValidationError, match="API key"):
        Settings(host="0.0.0.0")
    with pytest.raises(ValidationError, match="refused"):
        Settings(cors_origins=["*"])
    assert main(["serve", "--host", "0.0.0.0", "--model", "/nonexistent.gguf"]) == 2
    assert "API key" in capsys.readouterr().err
    Settings(host="0.0.0.0", api_key="k")  # with a key it is allowed
