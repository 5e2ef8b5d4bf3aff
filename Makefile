# The two commands of the README: `make run` and `make test`. Both set up everything from
# nothing: the virtual environment in .venv, torch's CPU build, the package and its tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint format demo install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch==2.13.0 first: it is the CPU build on this machine's disk; a bare `torch`
# requirement would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $(STAMP)

install: $(STAMP)

# init asks at the terminal for the first admin's password (or reads MATCHMAKER_ADMIN_PASSWORD);
# with neither it stops with a message saying so, instead of waiting.
# MATCHMAKER_LANG=zh (environment or `make run MATCHMAKER_LANG=zh`) loads the Chinese demo
# workspace data/demo_zh and opens the app in 中文; otherwise data/demo in English.
MATCHMAKER_LANG ?= en
demo: $(STAMP)
	$(BIN)/matchmaker init
	$(BIN)/matchmaker --lang $(MATCHMAKER_LANG) demo --if-empty

run: demo
	MATCHMAKER_LANG=$(MATCHMAKER_LANG) $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false --server.fileWatcherType none

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
