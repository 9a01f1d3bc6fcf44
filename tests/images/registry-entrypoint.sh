#!/bin/sh
# The official registry image's entrypoint (distribution/distribution-library-image):
# a configuration file as the argument means `registry serve FILE`.
set -e
case "$1" in
    *.yaml|*.yml) set -- registry serve "$@" ;;
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac
exec "$@"
