"""/v1/embeddings: the bundled sentence-transformers model, as OpenAI vectors or base64."""

from __future__ import annotations

import base64

import numpy as np

from tinyagent.api.openai import protocol as p
from tinyagent.embeddings import Embedder
from tinyagent.errors import DIMENSIONS, InvalidRequest


async def embed(embedder: Embedder, req: p.EmbeddingRequest) -> p.EmbeddingList:
    texts = [req.input] if isinstance(req.input, str) else req.input
    result = await embedder.encode(texts)
    vectors = result.vectors
    if req.dimensions is not None:
        if req.dimensions > vectors.shape[1]:
            raise InvalidRequest(
                f"dimensions must be at most {vectors.shape[1]} (this server's embedding model)",
                param="dimensions",
                code=DIMENSIONS,
            )
        # Matryoshka-style truncation is what OpenAI does; re-normalise so cosine stays meaningful.
        vectors = vectors[:, : req.dimensions]
        vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)
    data = [p.EmbeddingData(index=i, embedding=_vector_out(v, req.encoding_format)) for i, v in enumerate(vectors)]
    usage = p.EmbeddingUsage(prompt_tokens=result.token_count, total_tokens=result.token_count)
    return p.EmbeddingList(data=data, model=embedder.model_name, usage=usage)


def _vector_out(vector: np.ndarray, encoding: str) -> list[float] | str:
    # The openai client asks for base64 by default: little-endian float32, as OpenAI sends it.
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return [float(x) for x in vector]
