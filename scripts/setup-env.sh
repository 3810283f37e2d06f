# Sourced by serve.sh and test.sh: a virtual environment with the locked dependencies.
# Usage: . scripts/setup-env.sh [--group dev]
set -eu
if [ ! -x .venv/bin/uv ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
fi
# --inexact keeps uv itself, which the lock file does not list.
.venv/bin/uv sync --quiet --frozen --inexact --python .venv/bin/python "$@"
.venv/bin/kasipodaq compile-translations >/dev/null
