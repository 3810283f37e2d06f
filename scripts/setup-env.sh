#!/bin/sh
# A virtual environment in .venv with the locked dependencies and compiled catalogs.
# Usage: sh scripts/setup-env.sh [uv sync options, e.g. --group dev]
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/uv ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
fi
# --inexact keeps uv itself, which the lock file does not list.
.venv/bin/uv sync --quiet --frozen --inexact --python .venv/bin/python "$@"
.venv/bin/kasipodaq compile-translations >/dev/null
