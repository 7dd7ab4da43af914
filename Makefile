# Two commands for a newcomer: `make demo` (the whole job on the local stack) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .venv-tools/bin
export SAM_CLI_TELEMETRY := 0
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo local test bench venv clean

$(BIN)/.installed: requirements/dev.txt layers/common/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(TOOLS)/.installed: requirements/tools.txt
	$(PYTHON) -m venv .venv-tools
	$(TOOLS)/python -m pip install --quiet --disable-pip-version-check -r requirements/tools.txt
	touch $@

venv: $(BIN)/.installed $(TOOLS)/.installed

## Start the local stack, connect a simulated Procore user through the real redirect flow,
## sync, print what landed per company and entity, and exit.
demo: $(BIN)/.installed
	$(BIN)/python -m scripts.demo

## Keep the local stack up (moto, the Procore simulator, the gateway) and print its URLs.
local: $(BIN)/.installed
	$(BIN)/python -m local_stack

## Every test, including the template checks (cfn-lint, sam validate --lint).
test: venv
	$(BIN)/python -m pytest

## The benchmark suite against the Procore simulator at sizes S, M and L: writes
## bench/results.json and BENCHMARKS.md (about 20 minutes on 2 cores).
bench: $(BIN)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-tools .aws-sam .pytest_cache
