#!/bin/sh
# POST /v1/embeddings: sentence embeddings (bundled all-MiniLM-L6-v2 unless configured).
. "$(dirname "$0")/_common.sh"
api POST /v1/embeddings "{\"model\": \"all-MiniLM-L6-v2\", \"input\": [\"hello world\", \"good morning\"]}"
