#!/bin/sh
# Set up Kasipodaq on its embedded default (SQLite, background work inline), load the
# demo union once, print the logins to try and serve http://127.0.0.1:8000, with the
# local simulator of the card payment provider on http://127.0.0.1:8100
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-env.sh --no-dev
export DJANGO_SETTINGS_MODULE=config.settings.local
.venv/bin/kasipodaq migrate --noinput >/dev/null
.venv/bin/kasipodaq demo --if-empty
.venv/bin/kasipodaq payment-simulator --port 8100 >var/payment-simulator.log 2>&1 &
simulator=$!
trap 'kill "$simulator" 2>/dev/null' EXIT INT TERM
.venv/bin/kasipodaq runserver --noreload 127.0.0.1:8000
