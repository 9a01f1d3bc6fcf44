#!/bin/sh
# The official nginx image's entrypoint: runs /docker-entrypoint.d/*.sh, then nginx.
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read v; then
        echo "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
        for f in /docker-entrypoint.d/*.sh; do
            [ -x "$f" ] && echo "$0: Launching $f" && "$f"
        done
    else
        echo "$0: No files found in /docker-entrypoint.d/, skipping configuration"
    fi
    echo "$0: Configuration complete; ready for start up"
fi
exec "$@"
