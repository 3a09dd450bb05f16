"""Completions, embeddings, tokenization and the exported OpenAPI spec."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import numpy as np
import openai

from harness import LiveServer
from tinyagent.openapi import export_openapi

SPEC = Path(__file__).parent.parent / "openapi" / "openapi.json"


def test_completion_with_grammar(client: openai.OpenAI) -> None:
    result = client.completions.create(
        model="default", prompt="Answer:", max_tokens=12, extra_body={"grammar": 'root ::= "yes" | "no"'}
    )
    assert result.choices[0].text in {"yes", "no"}
    assert result.choices[0].finish_reason == "stop"


def test_streamed_completion(client: openai.OpenAI) -> None:
    stream = client.completions.create(
        model="default",
        prompt="1.",
        max_tokens=10,
        stream=True,
        extra_body={"grammar": "root ::= [0-9]{10}"},
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert re.fullmatch(r"[0-9]{10}", text)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens >= 1


def test_embeddings_float_and_base64(client: openai.OpenAI, tiny_server: LiveServer) -> None:
    # The SDK asks for base64 by default and decodes it; check both encodings agree.
    via_sdk = client.embeddings.create(model="all-MiniLM-L6-v2", input=["email Sid", "send an email to Sid", "weather"])
    vectors = np.array([d.embedding for d in via_sdk.data])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    similar, different = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > different
    raw = httpx.post(
        tiny_server.v1 + "/embeddings", json={"input": "email Sid", "encoding_format": "float"}, timeout=60
    )
    assert np.allclose(raw.json()["data"][0]["embedding"], vectors[0], atol=1e-5)
    assert via_sdk.usage.prompt_tokens > 3


def test_tokenize(tiny_server: LiveServer) -> None:
    body = httpx.post(tiny_server.url + "/extras/tokenize", json={"input": "the email"}).json()
    assert body["count"] == len(body["tokens"]) > 0


def test_openapi_export_matches_committed_spec() -> None:
    committed = json.loads(SPEC.read_text())
    assert committed == export_openapi(), "openapi/openapi.json is stale: run `make openapi`"
