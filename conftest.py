"""pytest set-up: run the chapters' ``>>>`` examples with Sybil.

A chapter's ``pycon`` blocks are doctests. They share one namespace with the chapter's
code cells, which run in book order as the Jupyter kernel would run them, in the chapter's
own directory. Chapters without ``pycon`` blocks are not run here: the book build executes
every cell anyway.

``tests/book`` checks the built book in ``_build/html``; they run only with ``--book``
(``make test`` passes it after building the book).

Each extra of the package runs on its own: where torch (the ``makemore`` extra),
matplotlib (``notebooks``), Sphinx or nbformat (``book``) is not installed, whatever
imports it skips, with the reason, instead of failing (see :class:`SkipWhenMissing`).
"""

import importlib.util
import os
import sys
import traceback
from contextlib import chdir
from pathlib import Path

import pytest
from sybil import Example, Region, Sybil
from sybil.parsers.abstract import DocTestStringParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

from tools.chapters import code_cells

# Plots render off screen; set before anything imports matplotlib.
os.environ.setdefault("MPLBACKEND", "Agg")

DOCTEST_FENCE = "```pycon"

# Optional dependencies, and the extra of spelled-out that installs each.
OPTIONAL = {
    "torch": "makemore",
    "matplotlib": "notebooks",
    "sphinx": "book",
    "nbformat": "book",
    "sphinx_codeautolink": "book",
}


class SkipWhenMissing:
    """An import finder, last on ``sys.meta_path``, asked only for what no other finds.

    Importing a missing optional dependency then skips the test module, doctest module or
    test that needs it, naming the extra to install, instead of erroring. Installed
    packages are found by the finders before this one and are never affected.
    """

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in MISSING:
            pytest.skip(
                f"{_importer()} needs {top}, which is not installed "
                f"(pip install 'spelled-out[{MISSING[top]}]')",
                allow_module_level=True,
            )
        return None


def _importer() -> str:
    """The file whose import statement is being run, relative to the repository."""
    frame = sys._getframe(2)
    while frame and (
        frame.f_code.co_filename.startswith("<")
        or any(part in frame.f_code.co_filename for part in ("importlib", "_pytest"))
    ):
        frame = frame.f_back
    if frame is None:
        return "this test"
    return os.path.relpath(frame.f_code.co_filename, Path(__file__).parent)


# Only packages missing as a whole: an installed one may probe for its own optional parts.
MISSING = {
    name: extra for name, extra in OPTIONAL.items() if importlib.util.find_spec(name) is None
}
if MISSING:
    sys.meta_path.append(SkipWhenMissing())


SKIPPED = "__skipped_because__"


def _skip_rest(evaluate):
    """Once a chapter's cell skipped (a missing dependency), skip the rest of the chapter."""

    def evaluator(example: Example):
        reason = example.namespace.get(SKIPPED)
        if reason:
            pytest.skip(reason)
        try:
            return evaluate(example)
        except pytest.skip.Exception as skip:
            example.namespace[SKIPPED] = f"an earlier cell skipped: {skip.msg}"
            raise

    return evaluator


def _run_cell(example: Example) -> None:
    tags, first = example.region.lexemes["tags"], example.region.lexemes["line"]
    if "skip-execution" in tags:
        return
    # Padding with newlines makes tracebacks quote the chapter's own line numbers.
    code = compile("\n" * (first - 1) + str(example.parsed), example.path, "exec")
    with chdir(os.path.dirname(example.path)):
        try:
            exec(code, example.namespace)
        except Exception:
            if "raises-exception" in tags:
                return
            raise AssertionError(
                f"{example.path}:{first}: code cell failed\n{traceback.format_exc()}"
            ) from None


class CodeCellParser:
    """Code cells, run for their side effects, only in chapters that have doctests.

    The cells are the ones myst-nb executes, read by its own reader (``tools/chapters.py``).
    """

    def __call__(self, document):
        if DOCTEST_FENCE not in document.text:
            return
        offsets = [0]  # where each line starts
        for line in document.text.splitlines(keepends=True):
            offsets.append(offsets[-1] + len(line))
        for cell in code_cells(document.text, document.path):
            end = offsets[min(cell.line - 1 + cell.source.count("\n"), len(offsets) - 1)]
            lexemes = {"tags": cell.tags, "line": cell.line}
            yield Region(offsets[cell.fence - 1], end, cell.source, _skip_rest(_run_cell), lexemes)


class PyconParser:
    """```pycon fences hold doctest examples."""

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer("pycon")
        self.string_parser = DocTestStringParser()

    def __call__(self, document):
        for lexed in self.lexer(document):
            source = lexed.lexemes["source"]
            for region in self.string_parser(source, document.path):
                region.adjust(lexed, source)
                region.evaluator = _skip_rest(region.evaluator)
                yield region


pytest_collect_file = Sybil(
    parsers=[CodeCellParser(), PyconParser()],
    patterns=["*.md"],
).pytest()


BOOK_TESTS = Path(__file__).resolve().parent / "tests" / "book"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--book",
        action="store_true",
        help="run tests/book, the checks of the built book (needs `make html` first)",
    )
    parser.addoption(
        "--all-notebooks",
        action="store_true",
        help="with --book: run every downloaded chapter notebook outside the repository, "
        "not only the first of each part",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--book"):
        return
    skip = pytest.mark.skip(
        reason="checks of the built book: run `make test`, or `make html` then "
        "`pytest tests/book --book`"
    )
    for item in items:
        if item.path.is_relative_to(BOOK_TESTS):
            item.add_marker(skip)
