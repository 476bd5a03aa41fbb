#!/bin/sh
# Create .venv (if needed) and install ierkg into it. Usage: scripts/venv.sh [pip install args]
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check "$@"
