#!/bin/sh
# GET /tools: the tools the planner may use, with their signatures.
. "$(dirname "$0")/_common.sh"
api GET /tools
