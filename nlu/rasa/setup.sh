#!/usr/bin/env bash
# Build Rasa 3.6.21 in its own .venv-rasa (it pins aiogram 2 and pydantic 1, so it can never
# share the bot's environment) and train an NLU model on nlu/data into .cache/rasa-models/.
# Usage (from anywhere): nlu/rasa/setup.sh [--no-train]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
req="../shared/rasa/requirements-rasa.txt"
[[ -f "$req" ]] || req="nlu/rasa/requirements-rasa.txt"
if [[ ! -x .venv-rasa/bin/rasa ]]; then
    python3 -m venv .venv-rasa
    .venv-rasa/bin/pip install --prefer-binary --ignore-requires-python -r "$req"
    .venv-rasa/bin/pip install --no-deps --ignore-requires-python rasa==3.6.21
fi
[[ "${1:-}" == "--no-train" ]] && exit 0
mkdir -p .cache/rasa-models
# Rasa reads every file under --nlu; domain.yml lists the intents.
.venv-rasa/bin/rasa train nlu \
    --config nlu/rasa/config.yml \
    --domain nlu/rasa/domain.yml \
    --nlu nlu/data \
    --out .cache/rasa-models
