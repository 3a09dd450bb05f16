#!/bin/sh
# Container entrypoint: refuses to expose the server beyond loopback without an API key, then
# execs `tinyagent serve` (settings come from TINYAGENT_* variables and any flags given).
# A first argument that is not a flag is another tinyagent subcommand (worker, sandbox, models...).
set -eu

die() {
    echo "tinyagent-entrypoint: $*" >&2
    exit 64
}

is_loopback() {
    case "$1" in
        127.* | localhost | ::1 | "[::1]") return 0 ;;
        *) return 1 ;;
    esac
}

# Docker/Compose secrets arrive as files; read one into the variable the server reads.
if [ -n "${TINYAGENT_API_KEY_FILE:-}" ]; then
    [ -r "$TINYAGENT_API_KEY_FILE" ] || die "TINYAGENT_API_KEY_FILE=$TINYAGENT_API_KEY_FILE is not readable"
    TINYAGENT_API_KEY=$(cat "$TINYAGENT_API_KEY_FILE")
    export TINYAGENT_API_KEY
fi

command=serve
if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
    command=$1
    shift
fi

if [ "$command" = serve ]; then
    host=${TINYAGENT_HOST:-127.0.0.1}
    key=${TINYAGENT_API_KEY:-}
    # Flags win over the environment in the server, so look at them too.
    previous=
    for arg in "$@"; do
        case "$previous" in
            --host) host=$arg ;;
            --api-key) key=$arg ;;
        esac
        case "$arg" in
            --host=*) host=${arg#--host=} ;;
            --api-key=*) key=${arg#--api-key=} ;;
        esac
        previous=$arg
    done
    if ! is_loopback "$host" && [ -z "$key" ]; then
        die "refusing to start: TINYAGENT_HOST=$host exposes the server beyond this container's loopback," \
            "and no API key is set. Set TINYAGENT_API_KEY (or TINYAGENT_API_KEY_FILE), or bind 127.0.0.1."
    fi
fi

exec tinyagent "$command" "$@"
