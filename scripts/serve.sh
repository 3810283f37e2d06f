#!/bin/sh
# Set up Kasipodaq on its embedded default (SQLite, background work inline), load the
# demo union once, print the logins to try and serve http://127.0.0.1:8000
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-env.sh --no-dev
export DJANGO_SETTINGS_MODULE=config.settings.local
.venv/bin/kasipodaq migrate --noinput >/dev/null
.venv/bin/kasipodaq demo --if-empty
exec .venv/bin/kasipodaq runserver --noreload 127.0.0.1:8000
