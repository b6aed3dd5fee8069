# One entry point for a fresh machine: each target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed  ## set up and run the demo investigation in the offline lab
	$(BIN)/sre-agent demo

test: $(BIN)/.installed  ## set up and run the test suite
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

bench: $(BIN)/.installed ## run all benchmarks, writing bench/results/*.json and docs/benchmarks.md
	$(BIN)/sre-agent bench all

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
