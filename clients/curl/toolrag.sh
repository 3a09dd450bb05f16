#!/bin/sh
# POST /toolrag: which tools and in-context examples ToolRAG picks for a query.
. "$(dirname "$0")/_common.sh"
api POST /toolrag "{\"query\": $(json_str "${QUERY:-Text Amir that I am running late}"), \"top_k\": 2}"
