# The two commands a newcomer needs: `make html` and `make test`. Everything else is here
# for authors: `make tangle`, `make livehtml`, `make bench`, `make clean`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Serial on purpose: with -j, Sphinx 9 no longer warns about a label defined twice.
SPHINX_FLAGS := -W --keep-going -n -q
# Sphinx 9 notices a changed HTML option in conf.py but then rewrites no page, so when the
# configuration or the book's own extensions and assets changed since the last build, we
# ask for every page to be written again (-a; the chapters still come from the cache).
BOOK_STAMP := _build/.book-config
BOOK_CONFIG := conf.py $(wildcard docs/_ext/*.py docs/_static/*)
WRITE_ALL = $(if $(wildcard $(BOOK_STAMP)),$(if $(shell find $(BOOK_CONFIG) -newer $(BOOK_STAMP)),-a),-a)
BUILD_BOOK = $(BIN)/sphinx-build $(SPHINX_FLAGS) $(WRITE_ALL) -b html . _build/html && touch $(BOOK_STAMP)

.PHONY: serve html test tangle check-tangle lint unit book-checks livehtml bench clean setup dot \
	chromium test-versions test-notebooks

# --- set-up ------------------------------------------------------------------------------

# constraints.txt pins the exact torch the book is checked with; the package asks for a range.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "spelled-out needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[book,test]'
	touch $(STAMP)

setup: $(STAMP) dot

# Graphviz's `dot` draws the computation graphs. Installed here when we are root.
dot:
	@command -v dot >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Graphviz (dot) with apt-get"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
		else \
			echo "Graphviz's dot is missing. Install it, then run make again:"; \
			echo "    sudo apt-get install -y graphviz    # Debian, Ubuntu"; \
			echo "    brew install graphviz               # macOS"; \
			exit 1; \
		fi; }

# Headless Chromium and its WebDriver let `make test` look at the book in a real browser.
# Installed here when we are root; otherwise the browser checks skip and say why.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium and chromium-driver with apt-get"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq chromium chromium-driver >/dev/null || \
				echo "apt-get could not install Chromium: the browser checks will be skipped"; \
		else \
			echo "Chromium is missing, so the browser checks will be skipped. To run them:"; \
			echo "    sudo apt-get install -y chromium chromium-driver"; \
		fi; }

# --- building ----------------------------------------------------------------------------

tangle: $(STAMP)
	$(BIN)/python -m tools.tangle

html: setup tangle
	$(BUILD_BOOK)
	@echo "The book is in _build/html/index.html"

LIVE_PORT ?= 8000
SERVE_PORT ?= 8001

# Live cells run WebAssembly, which browsers do not load from file://: serve the built book.
serve:
	@test -f _build/html/docs/index.html || { echo "No built book: run \`make html\` first"; exit 1; }
	@echo "Serving the book at http://127.0.0.1:$(SERVE_PORT)/docs/index.html (Ctrl+C stops)"
	@$(PYTHON) -m http.server $(SERVE_PORT) --bind 127.0.0.1 --directory _build/html

# sphinx-autobuild watches the source directory (the repository root). The tangled packages
# (src/micrograd, src/makemore) are ignored: they change only when the build tangles them
# (-D tangle_on_build=write: inside the Sphinx process, which has the chapter reader loaded
# already, instead of a pre-build command), just before the build reads them, so watching
# them would build everything twice; a `make tangle` by hand starts no build. Hand-written
# src/spelled_out and data/ are watched; .cache/live (the wheels the build itself makes) and
# the tangler's journal are not.
# After a code edit, only the chapters whose imported modules changed run again
# (docs/_ext/chapterinputs.py): the saved chapter first, the others in a second build that
# .cache/deferred-chapters starts. Ignores are paths (or regexes), not globs.
livehtml: setup tangle
	$(BIN)/sphinx-autobuild . _build/html --host 127.0.0.1 --port $(LIVE_PORT) \
		--watch literate --watch docs \
		--ignore _build --ignore .venv --ignore .git --ignore tests \
		--ignore src/micrograd --ignore src/makemore --ignore .cache/live \
		--re-ignore '/(__pycache__|\.pytest_cache|\.ruff_cache|\.hypothesis|\.ipynb_checkpoints)/' \
		--re-ignore '\.egg-info/' --re-ignore '/src/\.\.?tangle-journal' \
	$(SPHINX_FLAGS) -D tangle_on_build=write -D chapter_inputs_defer=1

# --- checking ----------------------------------------------------------------------------

check-tangle: $(STAMP)
	$(BIN)/python -m tools.tangle --check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest -q --ignore=tests/book

book-checks: setup chromium
	$(BIN)/python -m pytest -q tests/book --book

# Every chapter's downloadable notebook run in a temporary directory outside the repository
# (book-checks runs only the first chapter of each part). Needs a built book.
test-notebooks: setup
	$(BIN)/python -m pytest -q tests/book/test_notebooks.py --book --all-notebooks

test: setup check-tangle lint unit
	$(BUILD_BOOK)
	$(MAKE) --no-print-directory book-checks

# The unit tests and doctests under every supported Python found here: 3.11 in .venv (with
# torch, as `make unit`), then 3.12 and 3.13 (under pyenv or on PATH), each in its own .venv-3.X with the `test` and
# `notebooks` extras but never torch (on those Pythons pip would fetch a CUDA build of
# several GB): what needs torch skips and says so. CI's gate stays `make test` on .venv.
TEST_VERSIONS ?= 3.12 3.13

test-versions: unit
	@status=0; for v in $(TEST_VERSIONS); do \
		py=$$(ls -d $(HOME)/.pyenv/versions/$$v*/bin/python$$v 2>/dev/null | tail -n 1); \
		[ -n "$$py" ] || py=$$(command -v python$$v); \
		if [ -z "$$py" ] || ! $$py -c pass 2>/dev/null; then \
			echo "== Python $$v: not found, skipped"; continue; fi; \
		venv=.venv-$$v; \
		if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
			echo "== Python $$v: setting up $$venv with $$py"; \
			{ test -x $$venv/bin/python || $$py -m venv $$venv; } && \
			$$venv/bin/python -m pip install --quiet --upgrade pip && \
			$$venv/bin/python -m pip install --quiet -e '.[test,notebooks]' && \
			touch $$venv/.installed || { status=1; continue; }; \
		fi; \
		if $$venv/bin/python -c 'import torch' 2>/dev/null; then \
			echo "$$venv has torch installed: remove the venv and run again"; status=1; continue; fi; \
		echo "== Python $$v ($$($$venv/bin/python -V)): unit tests and doctests, without torch"; \
		$$venv/bin/python -m pytest -q -rs --ignore=tests/book || status=1; \
	done; exit $$status

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf _build .pytest_cache .ruff_cache build dist
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
