# Two commands matter: `make run` starts the bot, `make test` runs the whole suite; `make demo`
# tries the bot without Telegram (no token): a web chat at http://127.0.0.1:8080.
# All build .venv from requirements.lock first when it is missing or older than the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint typecheck check migrate lock messages clean

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

run: $(VENV)/.installed
	$(BIN)/python bot.py

# The same application against a local Bot API emulator, with SQLite in data/demo/ (fresh at
# every start): patient, staff and staff group side by side, and a time machine.
demo: $(VENV)/.installed
	$(BIN)/python -m mesobot_demo $(DEMO_ARGS)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy

check: lint typecheck test

migrate: $(VENV)/.installed
	$(BIN)/python -m mesobot.migrate

# Regenerates requirements.lock from pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --group dev --generate-hashes --universal \
		--python-version 3.11 -o requirements.lock

# Extracts the gettext catalog template and updates the translations.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -o mesobot/locale/messages.pot .
	$(BIN)/pybabel update -i mesobot/locale/messages.pot -d mesobot/locale \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
