#!/bin/sh
# GET /v1/models: the served model.
. "$(dirname "$0")/_common.sh"
api GET /v1/models
