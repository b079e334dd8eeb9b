"""What the sources promise the built book holds: pages, cells, figures.

The checks in this folder read ``_build/html``; the root conftest skips them unless
``--book`` is given, because they need a finished ``make html``. Everything they expect
is derived from the sources (the toctrees of ``docs/index.md`` and the chapters' cells),
never listed by hand, so they keep working as chapters are added.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bs4 import BeautifulSoup

from tools.tangle import parse_options, parse_tags

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
INDEX = ROOT / "docs" / "index.md"

TOCTREE = re.compile(r"^(`{3,}|~{3,})\{toctree\}")
CODE_CELL = re.compile(r"^(?P<fence>`{3,}|~{3,})\{code-cell\}")
GLUE_FIGURE = re.compile(r"^(?P<fence>`{3,}|~{3,}|:{3,})\{glue:figure\}\s+(?P<key>\S+)")


@dataclass
class Toctree:
    caption: str
    docnames: list[str]  # Sphinx docnames, e.g. "literate/micrograd/01-derivatives-and-values"


@dataclass
class SourceCell:
    line: int  # of the opening fence, for messages
    source: str
    tags: list[str]

    @property
    def displays_graph(self) -> bool:
        """The cell's result is a ``draw_dot(...)`` graph, so its output must be an image."""
        try:
            tree = ast.parse(self.source)
        except SyntaxError:
            return False
        if not tree.body or not isinstance(tree.body[-1], ast.Expr):
            return False
        return any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "draw_dot"
            for node in ast.walk(tree.body[-1])
        )


@dataclass
class GlueFigure:
    line: int
    key: str
    name: str | None  # the :name: option: the figure's HTML id
    caption: str


@dataclass
class Chapter:
    docname: str
    path: Path
    cells: list[SourceCell] = field(default_factory=list)
    figures: list[GlueFigure] = field(default_factory=list)

    @property
    def html(self) -> Path:
        return HTML / f"{self.docname}.html"

    def where(self, line: int) -> str:
        return f"{self.path.relative_to(ROOT)}:{line}"


@cache
def toctrees() -> list[Toctree]:
    """The toctrees of the landing page, in order, with their entries as docnames."""
    trees: list[Toctree] = []
    lines = INDEX.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = TOCTREE.match(lines[i].strip())
        if not m:
            i += 1
            continue
        fence = m[1]
        options, i = parse_options(lines, i + 1)
        tree = Toctree(caption=options.get("caption", ""), docnames=[])
        while i < len(lines) and not lines[i].strip().startswith(fence):
            entry = lines[i].strip()
            if entry and not entry.startswith(":"):
                if entry.endswith(">") and "<" in entry:
                    entry = entry[entry.rindex("<") + 1 : -1]
                entry = entry.removesuffix(".md")
                tree.docnames.append(entry[1:] if entry.startswith("/") else f"docs/{entry}")
            i += 1
        trees.append(tree)
        i += 1
    return trees


def all_docnames() -> list[str]:
    return ["docs/index"] + [name for tree in toctrees() for name in tree.docnames]


def read_chapter(docname: str) -> Chapter:
    """A chapter's code cells (those the build keeps) and its glued figures."""
    path = ROOT / f"{docname}.md"
    chapter = Chapter(docname=docname, path=path)
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        cell, figure = CODE_CELL.match(lines[i]), GLUE_FIGURE.match(lines[i])
        if not (cell or figure):
            i += 1
            continue
        fence = (cell or figure)["fence"]
        options, body = parse_options(lines, i + 1)
        end = body
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        text = "\n".join(lines[body:end])
        if cell:
            tags = parse_tags(options.get("tags", ""))
            if "remove-cell" not in tags:
                chapter.cells.append(SourceCell(line=i + 1, source=text, tags=tags))
        else:
            chapter.figures.append(
                GlueFigure(line=i + 1, key=figure["key"], name=options.get("name"), caption=text)
            )
        i = end + 1
    return chapter


def chapters() -> list[Chapter]:
    return [
        read_chapter(name)
        for tree in toctrees()
        for name in tree.docnames
        if name.startswith("literate/")
    ]


@cache
def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
