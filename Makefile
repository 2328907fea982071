# Every target creates .venv on first use, so a fresh clone needs only
# `make demo` or `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTHON ?= python3

# Small training runs are fastest with one torch thread; set here, never in the library.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: install demo test lint typecheck pytest bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: install
	$(PY) examples/trainer_tutorial.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: lint typecheck pytest

bench: install
	$(PY) benchmarks/run.py
	$(PY) benchmarks/validation_overhead.py

clean:
	rm -rf $(VENV) lightning_logs simpleode demo_output bench_output
