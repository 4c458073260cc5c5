# Two commands on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT ?= out
SAMPLE_BATCH := sample_docs/batch/2026-11-26

# Tesseract with English, Simplified Chinese and orientation data; fonts for the
# generated documents and notices (Latin and CJK); Pango for WeasyPrint; PostgreSQL
# for the production store and Prefect database (its test starts a throwaway server);
# Debian's Chromium for the review app's browser test (no browser download); Tesseract's
# headers to build tesserocr against the same Tesseract the command line uses.
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-osd \
	fonts-dejavu-core fonts-liberation fonts-noto-cjk \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 python3-venv \
	chromium postgresql \
	libtesseract-dev libleptonica-dev pkg-config g++

# The Chinese OCR engine; its wheel ships its models (nothing downloaded at run time).
RAPIDOCR_VERSION := 1.4.4
# Tesseract kept loaded between pages. Built from source: the PyPI wheel bundles another
# Tesseract release whose output differs from Debian's 5.3 (measured: lower field F1).
TESSEROCR_VERSION := 2.13.0

export OMP_THREAD_LIMIT := 1
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90

.PHONY: install system-packages demo test lint samples clean

install: system-packages $(VENV)/.installed

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps 'rapidocr-onnxruntime==$(RAPIDOCR_VERSION)'
	$(BIN)/python -m pip install -q --no-binary tesserocr 'tesserocr==$(TESSEROCR_VERSION)'
	touch $@

demo: install
	$(BIN)/proofs run $(SAMPLE_BATCH) --out $(OUT)
	@echo "Notices and results are in $(OUT)/$(notdir $(SAMPLE_BATCH))/<application>/ (result.json, notice.html, notice.pdf)"

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

samples: install
	$(BIN)/python -m sample_docs.make_samples

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
