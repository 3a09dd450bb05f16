#!/bin/sh
# POST /v1/chat/completions with stream=true: SSE chunks, then data: [DONE] (-N: no buffering).
. "$(dirname "$0")/_common.sh"
api POST /v1/chat/completions "{\"model\": \"$MODEL\", \"max_tokens\": 32, \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"messages\": [{\"role\": \"user\", \"content\": \"Say hello.\"}]}" -N
