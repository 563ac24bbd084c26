# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint build skill-package bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/seesay demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

build: $(STAMP)
	$(BIN)/seesay build

skill-package: $(STAMP)
	$(BIN)/python -m seesay.skill_bundle --out build/skill.zip

bench: $(STAMP)
	$(BIN)/python bench/bench_detector.py
	$(BIN)/python bench/bench_aggregator.py
	$(BIN)/python bench/bench_skill.py

lint: $(STAMP)
	$(BIN)/cfn-lint cloud/template.yaml

clean:
	rm -rf $(VENV) greengrass-build components/*/greengrass-build .seesay build .pytest_cache .hypothesis
