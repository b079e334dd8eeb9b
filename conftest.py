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
from sybil import Example, Sybil
from sybil.parsers.abstract import DocTestStringParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer
from sybil.parsers.myst.lexers import DirectiveLexer

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

DOCTEST_FENCE = "```pycon"


def _tags(options: dict) -> list[str]:
    tags = options.get("tags", [])
    if isinstance(tags, str):
        tags = [t.strip().strip("'\"") for t in tags.strip("[]").split(",") if t.strip()]
    return tags


def _run_cell(example: Example) -> None:
    tags = example.region.lexemes.get("tags", [])
    if "skip-execution" in tags:
        return
    source = example.parsed
    region = example.region
    text = example.document.text[region.start : region.end]
    first = example.line + text[: text.find(str(source))].count("\n")  # first line of code
    # Padding with newlines makes tracebacks quote the chapter's own line numbers.
    code = compile("\n" * (first - 1) + str(source), example.path, "exec")
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
    """Code cells, run for their side effects, only in chapters that have doctests."""

    def __init__(self) -> None:
        self.lexer = DirectiveLexer(directive="code-cell", arguments=".*")

    def __call__(self, document):
        if DOCTEST_FENCE not in document.text:
            return
        for region in self.lexer(document):
            region.lexemes["tags"] = _tags(region.lexemes.get("options") or {})
            region.parsed = region.lexemes["source"]
            region.evaluator = _run_cell
            yield region


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
