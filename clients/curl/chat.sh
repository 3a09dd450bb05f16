#!/bin/sh
# POST /v1/chat/completions: one answer.
. "$(dirname "$0")/_common.sh"
api POST /v1/chat/completions "{\"model\": \"$MODEL\", \"max_tokens\": 32, \"messages\": [{\"role\": \"user\", \"content\": \"Say hello.\"}]}"
