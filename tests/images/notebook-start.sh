#!/bin/sh
# The Jupyter images' start.sh, reduced to what the lessons meet: it runs the command
# it is given (the image's CMD, start-notebook.py, by default) as the user `jovyan`.
exec "$@"
