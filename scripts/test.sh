#!/bin/sh
# Set up the development tools and run lint, type-check, migration check and the whole
# test suite. DATABASE_URL chooses the database (SQLite by default);
# KASIPODAQ_BROWSER_TESTS=required fails instead of skipping when Chromium is missing.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-env.sh --group dev
export DJANGO_SETTINGS_MODULE=config.settings.test
echo "== ruff"; .venv/bin/ruff format --check --quiet . && .venv/bin/ruff check --quiet .
echo "== mypy"; .venv/bin/mypy --no-error-summary kasipodaq config benchmarks tests conftest.py
echo "== migrations"; .venv/bin/kasipodaq makemigrations --check --dry-run >/dev/null
echo "== pytest"; exec .venv/bin/pytest "$@"
