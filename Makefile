# make demo / make test each bootstrap .venv by themselves on a fresh machine with only
# Python >= 3.12 and make. The install stamp depends on pyproject.toml, so a changed
# dependency list reinstalls; the package is installed editable, so code changes do not.
#
# PYTHON: the first interpreter >= 3.12 that actually runs, of python3.12, python3.13,
# pyenv's installed versions (3.12 first, the version the golden baseline and the Mesa 3.5
# comparison were made on; called by path, since pyenv's shims fail without
# PYENV_VERSION), then python3. Empty when there is none; override with PYTHON=/path.
PYENV_VERSIONS := $(shell pyenv root 2>/dev/null || echo "$${PYENV_ROOT:-$$HOME/.pyenv}")/versions
ifndef PYTHON
PYTHON := $(shell for p in python3.12 python3.13 \
	  $$(ls -d $(PYENV_VERSIONS)/3.1[23]*/bin/python 2>/dev/null | sort -V) python3; do \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && \
	  { command -v "$$p"; break; }; done)
endif
NEED_PY := stability_sim needs Python >= 3.12 (Mesa 3.5): none found as python3.12, \
  python3.13, $(PYENV_VERSIONS)/3.1[23]*/bin/python or python3. Install one (e.g. \
  'pyenv install 3.12'), or pass PYTHON=/path/to/python3.12
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS := dev,distributed,viz

.PHONY: demo test lint bench geo params-doc clean-venv chromium

$(BIN)/python:
	@[ -n "$(PYTHON)" ] || { echo "$(NEED_PY)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || \
	  { echo "stability_sim needs Python >= 3.12 (Mesa 3.5); PYTHON=$(PYTHON) is older or" \
	    "does not run. Install 3.12 or 3.13, or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A .venv made by an older checkout (Python 3.11) is rebuilt rather than failing in pip.
$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
	  { echo "$(VENV) has Python < 3.12: rebuilding it"; rm -rf $(VENV); \
	    $(MAKE) --no-print-directory $(BIN)/python; }
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

# The demo sweep (180 runs at 0.5°, about a minute on 2 cores), then its report in
# results/demo/report; --overwrite replaces only an earlier demo's results (it refuses a
# folder that is not a sweep's).
demo: $(STAMP)
	$(BIN)/stability-sim sweep configs/sweeps/demo.yaml --overwrite
	$(BIN)/stability-sim report results/demo

# The browser test drives Debian's chromium (Playwright never downloads a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
	  echo "warning: could not install chromium (needs root and apt-get); the browser test will fail"

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The benchmark suite: prints a table, writes benchmarks/results.json and profile.txt.
# About 20 minutes, most of it the 2,000-run memory sweep; BENCH_ARGS=--quick skips sweeps.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Rebuild the committed rasters from the public sources (needs apt-get for ETOPO5).
geo: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[geo-build]"
	$(BIN)/python -m stability_sim.geography.build

# docs/PARAMETERS.md and docs/OUTCOMES.md are generated from the declarations; a test fails
# when either is stale.
params-doc: $(STAMP)
	{ echo '# Parameters'; echo; \
	  echo 'Every parameter of stability_sim, generated from the registry in `src/stability_sim/params/`'; \
	  echo 'by `make params-doc` (a test checks that this file is current). Sources: [KL13] Kunze &'; \
	  echo 'Logvinov 2013, [W06] Weitz 2006 (see `README.md`), other public sources dated before 2014,'; \
	  echo 'or `assumption: <why>`. Derived parameters show their rule as `= ...`. Role: a policy'; \
	  echo 'lever (with its group), an uncertainty, or a run setting.'; echo; \
	  $(BIN)/stability-sim params --format markdown; } > docs/PARAMETERS.md
	$(BIN)/python -c 'from stability_sim.outcomes import markdown; print(markdown())' > docs/OUTCOMES.md

clean-venv:
	rm -rf $(VENV)
