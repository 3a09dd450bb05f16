# Sourced by the scripts here. BASE_URL: the server (default http://127.0.0.1:50001);
# API_KEY: sent as a Bearer token if set (needed when the server was started with --api-key).
set -eu
BASE_URL=${BASE_URL:-http://127.0.0.1:50001}
BASE_URL=${BASE_URL%/}
MODEL=${MODEL:-default}

# api METHOD PATH [JSON_BODY] [extra curl args...]: prints the body; exits non-zero on HTTP errors.
api() {
    method=$1
    path=$2
    shift 2
    body=
    if [ "$#" -gt 0 ]; then
        body=$1
        shift
    fi
    set -- "$@" -sS --fail-with-body -X "$method" -H "content-type: application/json"
    if [ -n "${API_KEY:-}" ]; then
        set -- "$@" -H "authorization: Bearer $API_KEY"
    fi
    if [ -n "$body" ]; then
        set -- "$@" --data-binary "$body"
    fi
    curl "$@" "$BASE_URL$path"
    echo
}

# json_str TEXT: TEXT as a JSON string literal (quotes, newlines and all).
json_str() {
    printf '%s' "$1" | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read()))'
}
