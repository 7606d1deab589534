# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
# The install is editable in strict mode: a tree of links to the checkout's files, which mypy,
# pyright and IDEs resolve (the default editable mode is an import hook that static tools cannot
# follow). The links are made at install time, so the install is redone when the list of package
# files changes (a module added, moved or removed); editing a file needs nothing.
FILE_LIST := $(VENV)/.package-files
PACKAGE_DIRS := nnopt solver problems scorers substrate baselines cli

.PHONY: demo test lint install bench-decoders clean FORCE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# rewritten only when the list differs, so an unchanged list leaves the install alone
$(FILE_LIST): FORCE | $(BIN)/python
	@find $(PACKAGE_DIRS) -type f \( -name '*.py' -o -name '*.pt' -o -name '*.npz' -o -name py.typed \
		-o -path '*/static/*' \) \
		-not -path '*/__pycache__/*' | LC_ALL=C sort > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(STAMP): $(BIN)/python pyproject.toml constraints.txt setup.py $(FILE_LIST)
	$(BIN)/pip install -q -c constraints.txt --config-settings editable_mode=strict -e ".[test]"
	$(BIN)/nnopt warmup
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nnopt solve examples/cl_07_040_01.json --time-limit 5 --seed 0 \
		--out demo_solution.json --plot demo_solution.png
	@echo "wrote demo_solution.json and demo_solution.png"

# ruff and mypy (configured in pyproject.toml) before the tests: a finding fails `make test`
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m mypy

test: lint
	$(BIN)/python -m pytest -q

bench-decoders: $(STAMP)
	$(BIN)/python benchmarks/decoder_speed.py --out benchmarks/results/decoder_speed.json

clean:
	rm -rf $(VENV) build *.egg-info demo_solution.json demo_solution.png
