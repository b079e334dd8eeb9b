"""pytest set-up: run the chapters' ``>>>`` examples with Sybil.

A chapter's ``pycon`` blocks are doctests. They share one namespace with the chapter's
code cells, which run in book order as the Jupyter kernel would run them, in the chapter's
own directory. Chapters without ``pycon`` blocks are not run here: the book build executes
every cell anyway.

``tests/book`` checks the built book in ``_build/html``; they run only with ``--book``
(``make test`` passes it after building the book).
"""

import os
import traceback
from contextlib import chdir
from pathlib import Path

import matplotlib
import pytest
from sybil import Example, Region, Sybil
from sybil.parsers.abstract import DocTestStringParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

from tools.chapters import code_cells

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

DOCTEST_FENCE = "```pycon"


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
            yield Region(offsets[cell.fence - 1], end, cell.source, _run_cell, lexemes)


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
