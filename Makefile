# chipdx — two set-up commands: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint typecheck unit bench verify-rdml verify-sim example clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/chipdx demo

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy --strict src/chipdx
	$(BIN)/python -m pytest -n 2 -q

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run_all.py

# RDML written by chipdx, checked with the official 1.3 XSD and rdmlpython 1.7.2 in their own
# environment (rdmlpython needs numpy < 2, so it is not a chipdx dependency).
verify-rdml: $(STAMP)
	test -x .venv-rdmlpython/bin/python || $(PYTHON) -m venv .venv-rdmlpython
	.venv-rdmlpython/bin/python -m pip install --quiet "numpy<2" "scipy<1.14" "matplotlib<3.10" rdmlpython==1.7.2
	$(BIN)/python benchmarks/verify_rdml.py --rdmlpython .venv-rdmlpython/bin/python

# Simulated RDML checked with the 1.3 XSD and rdmlpython 1.7.2 LinRegPCR (same environment as verify-rdml).
verify-sim: $(STAMP)
	test -x .venv-rdmlpython/bin/python || $(PYTHON) -m venv .venv-rdmlpython
	.venv-rdmlpython/bin/python -m pip install --quiet "numpy<2" "scipy<1.14" "matplotlib<3.10" rdmlpython==1.7.2
	$(BIN)/python benchmarks/verify_sim.py --rdmlpython .venv-rdmlpython/bin/python

example: $(STAMP)
	$(BIN)/python tools/make_example_run.py

clean:
	rm -rf $(VENV) .venv-rdmlpython chipdx-demo .pytest_cache .mypy_cache .ruff_cache
