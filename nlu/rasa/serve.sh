#!/usr/bin/env bash
# Serve the newest trained Rasa model on 127.0.0.1 (POST /model/parse).
# Usage: nlu/rasa/serve.sh [PORT]   (default 5005; set HAMROH_NLU__RASA_URL to match)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
port="${1:-5005}"
model="$(ls -t .cache/rasa-models/*.tar.gz 2>/dev/null | head -n 1 || true)"
if [[ -z "$model" ]]; then
    echo "no model in .cache/rasa-models: run nlu/rasa/setup.sh first" >&2
    exit 1
fi
exec .venv-rasa/bin/rasa run --enable-api -i 127.0.0.1 -p "$port" -m "$model"
