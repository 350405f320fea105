#!/usr/bin/env bash
# `make test-rasa`: start the Rasa server on a spare port with the newest model, run the live
# tests (tests/nlu/test_rasa_live.py) through the bot's adapter against it, stop the server.
# Needs nlu/rasa/setup.sh to have built .venv-rasa and trained a model.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
port="${HAMROH_RASA_TEST_PORT:-5055}"
log="$(mktemp -t hamroh-rasa-XXXX.log)"
bash nlu/rasa/serve.sh "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
    if curl -fs "http://127.0.0.1:$port/status" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "rasa exited; log: $log" >&2; tail -20 "$log" >&2; exit 1; fi
    sleep 1
done
HAMROH_RASA_LIVE_URL="http://127.0.0.1:$port" .venv/bin/pytest -q tests/nlu/test_rasa_live.py "$@"
