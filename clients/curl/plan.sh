#!/bin/sh
# POST /plan: the planner's task DAG for a query (QUERY=...), or validation of a given plan (PLAN=...).
# APPS=contacts,sms plans with those apps' tools only (a shorter prompt, for small contexts).
. "$(dirname "$0")/_common.sh"
if [ -n "${PLAN:-}" ]; then
    api POST /plan "{\"plan\": $(json_str "$PLAN")}"
else
    apps=
    if [ -n "${APPS:-}" ]; then
        apps=", \"apps\": [\"$(printf '%s' "$APPS" | sed 's/,/", "/g')\"]"
    fi
    api POST /plan "{\"query\": $(json_str "${QUERY:-Text Amir that I am running late}"), \"max_tokens\": ${MAX_TOKENS:-128}$apps}"
fi
