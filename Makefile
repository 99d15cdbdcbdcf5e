# Two commands on a fresh machine (Python 3.11, Node.js, npm):
#   make serve   preview the book at http://127.0.0.1:8000 (live reload)
#   make test    the whole test suite: snippets vs torch.nn, strict site build, planted faults, browser
# Each installs what it needs on first use: .venv from requirements.txt, node_modules from package-lock.json.
# TORCH_INDEX=https://download.pytorch.org/whl/cpu installs torch (same pin) from PyTorch's CPU-only index.

# The first Python >= 3.11.5 (pymdown-extensions needs it); 3.11 gets torch's local wheel.
PYTHON ?= $(shell for p in python3.11 python3; do command -v $$p >/dev/null && \
            $$p -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' 2>/dev/null && command -v $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: deps serve test build bench mutation clean experiments

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.11.5 on PATH (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	    --index-url $(TORCH_INDEX) "$$(grep -oE '^torch==[^ ]+' requirements.txt)")
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installed node_modules/.installed

serve: deps
	$(BIN)/mkdocs serve

build: deps
	BOOK_NOTEBOOK_CACHE=off $(BIN)/mkdocs build --strict

test: deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The adding-problem experiment: trains and measures 125 models (5 models x 5 lengths up to T = 160 x 5
# seeds) and writes book/results/adding.json, which the build reads and checks against the code.
# Measured on this 2-core machine: 50.3 min wall, 60 CPU-minutes, two seeds at once (JOBS=2, the default;
# JOBS=1 gives the same numbers in about the CPU time). DEVICE=cuda runs it on a GPU and writes
# book/results/adding-cuda.json instead (the book and CI use the CPU results).
experiments: deps
	nice -n 10 $(BIN)/python -m experiments.adding --device $(or $(DEVICE),cpu) --jobs $(or $(JOBS),2)

bench: deps
	$(BIN)/python benchmarks/snippets_speed.py
	$(BIN)/python benchmarks/backward_speed.py
	$(BIN)/python benchmarks/build_speed.py
	@test -f site/index.html || $(MAKE) build   # page weight is measured on the built site
	$(BIN)/python benchmarks/page_weight.py

# Mutation testing of snippets/, hooks.py and book/site_check.py against the fast tests (setup.cfg
# [mutmut]); prints the score, lists survivors. Minutes, not part of `make test`.
$(VENV)/.mutation-installed: $(VENV)/.installed requirements-mutation.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	touch $@

mutation: $(VENV)/.mutation-installed
	rm -rf mutants
	# one torch thread: a mutant runs in a forked child, where a thread pool of the parent would deadlock
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 10 $(BIN)/mutmut run --max-children $${MUTATION_JOBS:-2}
	$(BIN)/python tests/mutation_score.py

clean:
	rm -rf site .cache test-artifacts mutants
