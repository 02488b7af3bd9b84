# Quick start: `make run` regenerates every notebook and its HTML into outputs/,
# `make test` runs the tests, `make lab` opens JupyterLab on work/ (git-ignored copies of
# the notebooks, plus outputs/; LAB_ARGS="--no-browser --port 8899" passes options). Each creates the
# virtual environment (.venv) first if it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lab setup clean
run: $(STAMP)
	$(BIN)/fou run --out outputs

# Two xdist workers (the tests mostly wait on `fou run` subprocesses, which use both cores themselves);
# a file's tests stay on one worker (loadfile: its module fixtures run once), and the session's shared
# runs are built once for both workers (tests/conftest.py, once_per_session).
TEST_WORKERS ?= 2
# PYTHONDONTWRITEBYTECODE (set in some containers) would stop pytest caching its rewritten test modules:
# each worker would rewrite all of them on every run (~2 s of CPU each).
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lab: $(STAMP)
	$(BIN)/python -m fou.run.lab $(LAB_ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m fou.run.kernel
	touch $(STAMP)

clean:
	rm -rf outputs/index.html outputs/run.json outputs/html outputs/notebooks outputs/figures outputs/tables \
	       outputs/failed outputs/logs outputs/.staging outputs/.fou.lock
