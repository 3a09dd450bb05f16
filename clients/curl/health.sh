#!/bin/sh
# GET /health: model status (public even with an API key; 503 while the model loads).
. "$(dirname "$0")/_common.sh"
api GET /health
