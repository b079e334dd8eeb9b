"""Read the book's sources once, with the parsers the book itself is built with.

Chapters are MyST-NB text notebooks: their code cells come from myst-nb's own
``read_myst_markdown_notebook``, so the tangler, the Sybil doctests and the book checks
see exactly the cells that the build executes. Other directives (the landing page's
toctrees, ``{glue:figure}``) come from the MyST parser's tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path


class ChapterError(Exception):
    """A source cannot be read; the message is ``file[:line]: reason``."""


@dataclass
class CodeCell:
    fence: int  # 1-based line of the opening fence
    line: int  # 1-based line of the first line of code
    source: str
    options: dict = field(default_factory=dict)
    chapter: str = ""  # the file, for messages

    @property
    def target(self) -> str:
        """The module the cell is tangled into (its ``:tangle:`` option), or ''."""
        return str(self.options.get("tangle", ""))

    @property
    def tags(self) -> list[str]:
        tags = self.options.get("tags") or []
        return [tags] if isinstance(tags, str) else [str(t) for t in tags]


@dataclass
class Directive:
    line: int  # 1-based line of the opening fence
    argument: str
    options: dict
    body: list[str]


def read_text(path: Path, root: Path | None = None) -> str:
    """A source file's text, or a one-line ChapterError naming the file and the cause."""
    name = path.relative_to(root) if root and path.is_relative_to(root) else path
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise ChapterError(
            f"{name}:{line}: not UTF-8 text ({err.reason} at byte {err.start})"
        ) from None
    except OSError as err:
        raise ChapterError(f"{name}: cannot be read ({err.strerror})") from None


def code_cells(text: str, name: str = "<chapter>") -> list[CodeCell]:
    """The ``{code-cell}`` cells of a MyST-NB chapter, as myst-nb reads them."""
    from myst_nb.core.read import MystMetadataParsingError, read_myst_markdown_notebook

    try:
        notebook = read_myst_markdown_notebook(text, add_source_map=True)
    except MystMetadataParsingError as err:
        raise ChapterError(f"{name}: {err}") from None
    lines = text.splitlines()
    cells = []
    for cell, fence in zip(notebook.cells, notebook.metadata["source_map"], strict=True):
        if cell.cell_type != "code":
            continue
        body = cell.source.splitlines()
        # The body follows the options, whose lines myst-nb does not count.
        first = next(
            (
                n
                for n in range(fence + 1, len(lines) + 1)
                if lines[n - 1 : n - 1 + len(body)] == body
            ),
            fence + 1,
        )
        cells.append(CodeCell(fence, first, cell.source + "\n", dict(cell.metadata), name))
    return cells


def chapter_cells(path: Path, root: Path) -> list[CodeCell]:
    """A chapter file's code cells, remembered by the digest of its text between runs.

    Parsing is the slow part of reading the book (a rebuild of the book tangles first), so
    the cells of each chapter are kept in ``_build/.chapter-cells.json``.
    """
    text, name = read_text(path, root), str(path.relative_to(root))
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    store = root / "_build" / ".chapter-cells.json"
    with suppress(OSError, ValueError):
        known = json.loads(store.read_text(encoding="utf-8")).get(name, {})
        if known.get("key") == key:
            return [CodeCell(**cell) for cell in known["cells"]]
    cells = code_cells(text, name)
    with suppress(OSError, ValueError):
        memo = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {}
        memo[name] = {"key": key, "cells": [asdict(cell) for cell in cells]}
        store.parent.mkdir(exist_ok=True)
        tmp = store.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo, default=str), encoding="utf-8")
        os.replace(tmp, store)
    return cells


@cache
def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions={"colon_fence"}), RendererHTML)


def directives(text: str, name: str) -> list[Directive]:
    """Every ``{name}`` directive written as a backtick or colon fence, in order."""
    from myst_parser.parsers.directives import parse_directive_text

    class Spec:
        option_spec = {"options": True}
        required_arguments, optional_arguments, has_content = 0, 1, True

    found = []
    for token in _parser().parse(text):
        if token.type in {"fence", "colon_fence"} and token.info.startswith(f"{{{name}}}"):
            parsed = parse_directive_text(Spec, "", token.content, validate_options=False)
            argument = token.info[len(name) + 2 :].strip()
            found.append(Directive(token.map[0] + 1, argument, parsed.options, parsed.body))
    return found


def toctrees(root: Path) -> list[tuple[str, list[str]]]:
    """(caption, docnames) of each toctree on the landing page ``docs/index.md``."""
    trees = []
    for tree in directives(read_text(root / "docs" / "index.md", root), "toctree"):
        docnames = []
        for entry in (line.strip() for line in tree.body):
            if entry.endswith(">") and "<" in entry:
                entry = entry[entry.rindex("<") + 1 : -1]
            if entry:
                entry = entry.removesuffix(".md")
                docnames.append(entry[1:] if entry.startswith("/") else f"docs/{entry}")
        trees.append((str(tree.options.get("caption", "")), docnames))
    return trees


def book_order(root: Path) -> list[Path]:
    """The chapters (``literate/**.md``) in the landing page's toctrees, in reading order."""
    return [
        root / f"{docname}.md"
        for _caption, docnames in toctrees(root)
        for docname in docnames
        if docname.startswith("literate/")
    ]


def orphans(root: Path) -> list[Path]:
    """Chapters under ``literate/`` that no toctree lists: the book would never show them."""
    listed = set(book_order(root))
    found = sorted((root / "literate").rglob("*.md"))
    hidden = [p for p in found if any(part.startswith(".") for part in p.relative_to(root).parts)]
    return [path for path in found if path not in listed and path not in hidden]
