# Hamroh: `make run` and `make test` work from a fresh clone (they create .venv when needed).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := bot/locales
PO := $(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: install compile run chat serve test lint check bench i18n rasa serve-rasa test-rasa clean lock upgrade-lock

install: $(STAMP) compile

# The versions that passed CI: requirements.lock (hashes checked), then the project itself.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-lock after changing pyproject.toml's dependencies (keeps every other pin), or upgrade
# everything to the newest allowed versions (docs/deploy.md: upgrading dependencies).
LOCK := $(BIN)/pip-compile --quiet --allow-unsafe --generate-hashes --extra dev --strip-extras \
	--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
lock:
	$(LOCK)
upgrade-lock:
	$(LOCK) --upgrade

# gettext catalogs: .po in the repo, .mo built here (aiogram and Babel read .mo only).
compile: $(MO)
$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d $(LOCALES) -D messages -l $* >/dev/null

# The main job: the Telegram bot when a token is configured, else the terminal chat.
run: install
	@if [ -n "$$HAMROH_TELEGRAM__TOKEN" ]; then $(BIN)/hamroh serve; else $(BIN)/hamroh chat; fi

chat: install
	$(BIN)/hamroh chat

serve: install
	$(BIN)/hamroh serve

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check bot nlu hotline_router shared tests benchmarks
	$(BIN)/mypy bot nlu hotline_router shared

check: install
	$(BIN)/hamroh content check

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Update the catalogs after changing interface strings in the code.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _ --no-location --omit-header -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-location

# A real Rasa 3.6 in its own environment (it cannot share the bot's dependencies).
rasa:
	bash nlu/rasa/setup.sh

serve-rasa:
	bash nlu/rasa/serve.sh

test-rasa: install
	bash nlu/rasa/test_live.sh

clean:
	rm -rf $(VENV) .cache build *.egg-info
