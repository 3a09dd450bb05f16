#!/bin/sh
# POST /v1/completions: raw text completion of a prompt.
. "$(dirname "$0")/_common.sh"
api POST /v1/completions "{\"model\": \"$MODEL\", \"max_tokens\": 16, \"prompt\": \"Once upon a time\"}"
