# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test

.PHONY: demo test install bench-decoders clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt setup.py
	$(BIN)/pip install -q -c constraints.txt -e ".[test]"
	$(BIN)/nnopt warmup
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nnopt solve examples/cl_07_040_01.json --time-limit 5 --seed 0 \
		--out demo_solution.json --plot demo_solution.png
	@echo "wrote demo_solution.json and demo_solution.png"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench-decoders: $(STAMP)
	$(BIN)/python benchmarks/decoder_speed.py --out benchmarks/results/decoder_speed.json

clean:
	rm -rf $(VENV) build *.egg-info demo_solution.json demo_solution.png
