#!/bin/sh
# GET /runs (recent runs); with RUN_ID: GET /runs/{id}, and EVENTS=1 for its stored events as SSE.
. "$(dirname "$0")/_common.sh"
if [ -z "${RUN_ID:-}" ]; then
    api GET "/runs?limit=${LIMIT:-10}"
elif [ -n "${EVENTS:-}" ]; then
    api GET "/runs/$RUN_ID/events?after=${AFTER:-0}" "" -N
else
    api GET "/runs/$RUN_ID"
fi
