#!/bin/sh
# POST /run with stream=false: one flat JSON object when the run ends (read .text; e.g. from a Shortcut).
# QUERY=... plans and runs; PLAN=... runs a ready plan (JOINER=false: without the model at all).
. "$(dirname "$0")/_common.sh"
if [ -n "${PLAN:-}" ]; then
    api POST /run "{\"plan\": $(json_str "$PLAN"), \"joiner\": ${JOINER:-true}, \"stream\": false}"
else
    api POST /run "{\"query\": $(json_str "${QUERY:-What is the phone number of Amir?}"), \"stream\": false}"
fi
