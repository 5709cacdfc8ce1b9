#!/bin/sh
# The guide's lab on loopback (make run): see scripts/lab.py.
exec /usr/bin/python3 "$(dirname "$0")/lab.py" "$@"
