#!/bin/sh
# Greets whoever the first argument names, with the greeting the image's ENV sets.
echo "$GREETING, ${1:-nobody}"
