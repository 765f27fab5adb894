# Two commands matter: `make serve` and `make test`. Both install what is missing first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CPU build of torch: without the "+cpu" build and this index, pip on x86-64 takes the CUDA
# build (several GB). Override with `make install TORCH_INDEX=<a mirror of it>`.
TORCH := torch==2.13.0+cpu
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# A pipe's status is its first failing command's (pip's, not the filter's after it).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip says this once per package for each configured package source that lacks the package
# (a partial local mirror): nothing to act on, so it is not shown.
PIP_QUIET := grep -v "is ignored: it is neither a file nor a directory" >&2 || true
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install test test-fast lint format serve bench bench-library bench-filings eval questions train load browser clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# CPU torch first (any other torch pulls a multi-GB CUDA build): from the configured package
	@# sources when they hold it (a wheelhouse, a mirror), else from PyTorch's CPU index.
	@echo "installing $(TORCH) from the configured package sources..."
	@$(BIN)/pip install --quiet --disable-pip-version-check --retries 0 '$(TORCH)' 2>/dev/null || \
	  ( echo "not there: fetching $(TORCH) from $(TORCH_INDEX)" && \
	    $(BIN)/pip install --quiet --disable-pip-version-check \
	      --extra-index-url $(TORCH_INDEX) '$(TORCH)' 2>&1 | { $(PIP_QUIET); } )
	@echo "installing the project and its dependencies..."
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | { $(PIP_QUIET); }
	@# The ONNX graph of the bundled model, exported once from its weights (nothing downloaded).
	@$(BIN)/python -m assistant.embedding.onnx
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/ruff format --check assistant tests benchmarks

format: install
	$(BIN)/ruff format assistant tests benchmarks
	$(BIN)/ruff check --fix assistant tests benchmarks

# The browser test needs Debian's chromium and chromium-driver (and CJK fonts for the
# screenshots); when they cannot be installed here the test is skipped and says why.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  ( (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver fonts-noto-cjk >/dev/null) || \
	    echo "chromium could not be installed: the browser test will be skipped" )

test: lint browser
	$(BIN)/pytest -q --durations=20

# Unit tests only (no model, index, server or browser): under a minute.
test-fast: install
	$(BIN)/pytest -q -m "not slow"

# make serve PORT=8001 HOST=0.0.0.0 (or ASSISTANT_PORT / ASSISTANT_HOST)
serve: install
	$(BIN)/assistant serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

bench: install
	$(BIN)/python -m benchmarks.bench
	$(BIN)/python -m benchmarks.bench_upload
	$(BIN)/python -m benchmarks.bench_backends

# The 1,681 ECTSum calls indexed together in a scratch folder, the ectsum_dev questions asked
# against them (LIMIT=N for the first N calls only).
bench-library: install
	$(BIN)/python -m benchmarks.bench_library $(if $(LIMIT),--limit $(LIMIT))

# The 47 filing PDFs of ../shared/corpus/filings-pdf built from scratch: time, memory and
# each stage's share (LIMIT=N for the first N files only).
bench-filings: install
	$(BIN)/python -m benchmarks.bench_filings $(if $(LIMIT),--limit $(LIMIT))

# One index per development set (reused by content hash), one table of scores; --check
# lists every question that did worse than its reviewed golden file in tests/golden/.
eval: install
	$(BIN)/python -m benchmarks.eval_sets --check

# Questions generated from ECTSum's summaries: the validation and training calls' question
# files in eval/, and the library's (the examples to fit on) in .eval/.
SHARED_CORPUS := ../shared/corpus
questions: install
	$(BIN)/python -m benchmarks.generate_questions $(SHARED_CORPUS)/ectsum-val eval/ectsum_val.jsonl
	$(BIN)/python -m benchmarks.generate_questions $(SHARED_CORPUS)/ectsum-train \
	  eval/ectsum_train_generated.jsonl --prefix g --split ectsum-train
	mkdir -p .eval
	$(BIN)/python -m benchmarks.generate_questions $(SHARED_CORPUS)/ectsum-library \
	  .eval/ectsum_library_questions.jsonl --prefix t --split ectsum-library --rephrase

# The figure ranker (assistant/models/) fitted on the library's generated questions: the
# library is indexed once into .eval/ (about 25 minutes), its questions asked, LightGBM fitted.
train: install
	test -f .eval/ectsum_library_questions.jsonl || $(MAKE) questions
	$(BIN)/python -m benchmarks.train_passages --fresh
	$(BIN)/python -m benchmarks.train_figures --fresh

load: install
	$(BIN)/python -m benchmarks.load
	$(BIN)/python -m benchmarks.soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
