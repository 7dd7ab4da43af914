# Two commands for a newcomer: `make demo` (the whole job on the local stack) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .venv-tools/bin
export SAM_CLI_TELEMETRY := 0
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo local test chaos bench venv clean

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

## Every test, including the template checks (cfn-lint, sam validate --lint). The tests over
## the local stack (functional, then chaos) are spread over TEST_WORKERS processes, each with its
## own stack; they mostly wait on queues and rate windows, so more workers than cores pay. The
## rest, some of which patch AWS in-process, run apart from them.
TEST_WORKERS ?= 4
STACK_TESTS := tests/functional/ tests/chaos/
test: venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load tests/functional/
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load tests/chaos/
	$(BIN)/python -m pytest $(filter-out $(STACK_TESTS),$(sort $(wildcard tests/*/)))

## The long chaos run (many more random schedules of Procore changes and faults than `make test`
## plays) and the load run (200 users syncing at once); see docs/reliability.md.
chaos: $(BIN)/.installed
	$(BIN)/python -m chaos

## The benchmark suite against the Procore simulator at sizes S, M and L: writes
## bench/results.json and BENCHMARKS.md (about 20 minutes on 2 cores).
bench: $(BIN)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-tools .aws-sam .pytest_cache
