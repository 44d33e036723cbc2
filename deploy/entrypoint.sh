#!/bin/sh
# Container entry point: `entrypoint.sh SERVICE [extra nameko run options]`.
# Runs from the repo root (WORKDIR /app) so `services.<name>.service` imports and the
# config path below resolve. exec replaces the shell, so nameko is PID 1 and gets docker's
# SIGTERM itself, which lets it finish in-flight workers before stopping.
set -eu

if [ "$#" -lt 1 ]; then
    echo "usage: entrypoint.sh SERVICE [nameko run options...]" >&2
    exit 64
fi

name=$1
shift

# A service is a package under services/ with its own config; reject anything else
# (including path tricks) with the list of what exists.
case "$name" in
    *[!a-z0-9_]* | "")
        valid=no ;;
    *)
        if [ -f "services/$name/service.py" ] && [ -f "services/$name/config.yaml" ]; then
            valid=yes
        else
            valid=no
        fi ;;
esac
if [ "$valid" != yes ]; then
    echo "entrypoint.sh: unknown service '$name'; available:" >&2
    for dir in services/*/; do
        dir=${dir%/}
        if [ -f "$dir/service.py" ] && [ -f "$dir/config.yaml" ]; then
            echo "  ${dir#services/}" >&2
        fi
    done
    exit 64
fi

# Fail before connecting anywhere when the one setting with no safe default is missing.
if [ -z "${AUTH_SECRET:-}" ]; then
    echo "entrypoint.sh: AUTH_SECRET is not set" >&2
    exit 78
fi

exec nameko run "services.$name.service" --config "services/$name/config.yaml" "$@"
