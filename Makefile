# chipdx — two set-up commands: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test browser postgresql bench verify-rdml verify-quantstudio verify-sim train-classifier sim-only-ablation example clean

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

# Browser tests drive Debian's Chromium (never a downloaded browser); installed here when possible,
# otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "note: could not install chromium; browser tests will skip"; }

# The storage tests start a real PostgreSQL server (initdb/pg_ctl in a temporary directory): Debian's
# postgresql package is installed here when missing (apt-get, with sudo when not root); if that is impossible
# those tests skip and say why.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  ($(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
	  >/dev/null) || echo "note: could not install postgresql; PostgreSQL tests will skip"; }

test: $(TEST_STAMP) browser postgresql
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

# QuantStudio text written by chipdx, parsed by Benchling's allotropy in its own environment
# (allotropy pins its own pandas/numpy, so it is not a chipdx dependency).
verify-quantstudio: $(STAMP)
	test -x .venv-allotropy/bin/python || $(PYTHON) -m venv .venv-allotropy
	.venv-allotropy/bin/python -m pip install --quiet "allotropy==0.1.150"
	$(BIN)/python benchmarks/verify_quantstudio_writer.py --allotropy .venv-allotropy/bin/python

# Retrain the locked curve classifier on ../shared/data/ai/.../train_pool (never the holdout) plus
# simulator curves generated first (fixed seeds) into build/simcurves (git-ignored); writes
# src/chipdx/interpret/models/ and records the new hash in model_store.LOCKED_MODELS.
SIMCURVES := build/simcurves
# Choices (dataset weight power 0, band on the raw score, alpha, OOD quantile) were made on grouped CV
# of the train pool: see the model card src/chipdx/interpret/models/curve-gbm-1.2.0.md.
# A locked model is never retrained in place: this trains a *candidate* with the recipe of the shipped
# curve-gbm-1.2.0 on the current simulator, into build/models (not locked). curve-gbm-1.2.0 itself is
# reproduced byte for byte by this target at commit ea549f1 (before the simulator's kinetics changed).
CANDIDATE ?= curve-gbm-candidate
train-classifier: $(TEST_STAMP)
	$(BIN)/python tools/make_sim_training_curves.py --out $(SIMCURVES)
	$(BIN)/python tools/train_classifier.py --extra $(SIMCURVES)/curves_long.csv.gz $(SIMCURVES)/labels.csv \
	  --model-id $(CANDIDATE) --out build/models --no-lock \
	  --dataset-power 0 --band-on raw --alpha 0.0055 --ood-quantile 0.999
# Issue 6 ablation: a classifier trained on simulator curves only (build/sim-only, not locked);
# benchmarks/bench_ai.py reports its holdout figures when it exists.
sim-only-ablation: $(TEST_STAMP)
	test -f $(SIMCURVES)/labels.csv || $(BIN)/python tools/make_sim_training_curves.py --out $(SIMCURVES)
	$(BIN)/python tools/train_classifier.py --only-extra --extra $(SIMCURVES)/curves_long.csv.gz \
	  $(SIMCURVES)/labels.csv --model-id sim-only --out build/sim-only --no-lock
# Simulated RDML checked with the 1.3 XSD and rdmlpython 1.7.2 LinRegPCR (same environment as verify-rdml).
verify-sim: $(STAMP)
	test -x .venv-rdmlpython/bin/python || $(PYTHON) -m venv .venv-rdmlpython
	.venv-rdmlpython/bin/python -m pip install --quiet "numpy<2" "scipy<1.14" "matplotlib<3.10" rdmlpython==1.7.2
	$(BIN)/python benchmarks/verify_sim.py --rdmlpython .venv-rdmlpython/bin/python

example: $(STAMP)
	$(BIN)/python tools/make_example_run.py

clean:
	rm -rf $(VENV) .venv-rdmlpython .venv-allotropy chipdx-demo .pytest_cache .mypy_cache .ruff_cache
