"""Writes a tiny random-weight llama GGUF so tests run real llama.cpp in milliseconds.

Recipe: /work/shared/reference/measurements.md §7. The output is noise; tests
must assert structure (or force a shape with a grammar), never content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gguf
import numpy as np

from tinyagent.inference.llama_backend import LlamaBackend

N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = N_EMBD // N_HEAD
N_FF = 128
N_LAYER = 2
N_CTX = 2048
BOS_ID = 1
EOS_ID = 4  # <|im_end|> ends a turn, so chat generations stop on it

SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
WORDS = ("the", "and", "email", "Sid", "get", "compose", "call", "name")
SPACE = "\u2581"  # SPM's word-boundary marker

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _vocab() -> tuple[list[str], list[float], list[int]]:
    tokens: list[str] = []
    scores: list[float] = []
    types: list[int] = []

    def add(text: str, score: float, kind: gguf.TokenType) -> None:
        tokens.append(text)
        scores.append(score)
        types.append(int(kind))

    add(SPECIAL_TOKENS[0], 0.0, gguf.TokenType.UNKNOWN)
    for special in SPECIAL_TOKENS[1:]:
        add(special, 0.0, gguf.TokenType.CONTROL)
    for byte in range(256):
        add(f"<0x{byte:02X}>", 0.0, gguf.TokenType.BYTE)
    add(SPACE, -1.0, gguf.TokenType.NORMAL)
    for code in range(33, 127):
        add(chr(code), -2.0, gguf.TokenType.NORMAL)
    for word in WORDS:
        add(SPACE + word, -0.5, gguf.TokenType.NORMAL)
    return tokens, scores, types


def _add_metadata(writer: gguf.GGUFWriter, n_vocab: int, n_ctx_train: int) -> None:
    writer.add_name("tinyagent-test-random")
    writer.add_context_length(n_ctx_train)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)


def _add_tokenizer(writer: gguf.GGUFWriter) -> int:
    tokens, scores, types = _vocab()
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(BOS_ID)
    writer.add_eos_token_id(EOS_ID)
    writer.add_unk_token_id(0)
    writer.add_pad_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)
    return len(tokens)


def _add_tensors(writer: gguf.GGUFWriter, n_vocab: int, rng: np.random.Generator) -> None:
    # numpy shapes are ggml's `ne` reversed: (rows = outputs, cols = inputs).
    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    def ones(n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float32)

    kv_dim = N_HEAD_KV * HEAD_DIM
    writer.add_tensor("token_embd.weight", rand(n_vocab, N_EMBD))
    writer.add_tensor("output_norm.weight", ones(N_EMBD))
    writer.add_tensor("output.weight", rand(n_vocab, N_EMBD))
    for i in range(N_LAYER):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", ones(N_EMBD))
        writer.add_tensor(f"blk.{i}.attn_q.weight", rand(N_EMBD, N_EMBD))
        writer.add_tensor(f"blk.{i}.attn_k.weight", rand(kv_dim, N_EMBD))
        writer.add_tensor(f"blk.{i}.attn_v.weight", rand(kv_dim, N_EMBD))
        writer.add_tensor(f"blk.{i}.attn_output.weight", rand(N_EMBD, N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", ones(N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", rand(N_FF, N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", rand(N_FF, N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", rand(N_EMBD, N_FF))


def write_tiny_gguf(path: Path, *, seed: int = 0, n_ctx_train: int = N_CTX) -> Path:
    """Write the tiny model to ``path`` (parents created) and return ``path``.

    ``n_ctx_train``: the context it says it was trained for (llama-server caps a slot's context there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    try:
        n_vocab = len(_vocab()[0])
        _add_metadata(writer, n_vocab, n_ctx_train)
        _add_tokenizer(writer)
        _add_tensors(writer, n_vocab, np.random.default_rng(seed))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    return path


def load_tiny_backend(path: Path, *, n_ctx: int = 2048, n_threads: int = 2, **options: Any) -> LlamaBackend:
    """A LlamaBackend over the tiny model; ``options`` pass through (prompt_cache_mb, stream_interval_s)."""
    options.setdefault("prompt_cache_mb", 0)
    return LlamaBackend.load(
        path, model_id="tiny", source=str(path), n_ctx=n_ctx, n_threads=n_threads, n_batch=512, **options
    )
