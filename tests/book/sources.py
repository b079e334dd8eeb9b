"""What the sources promise the built book holds: pages, cells, figures.

The checks in this folder read ``_build/html``; the root conftest skips them unless
``--book`` is given, because they need a finished ``make html``. Everything they expect
is derived from the sources (the toctrees of ``docs/index.md`` and the chapters' cells),
never listed by hand, so they keep working as chapters are added.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bs4 import BeautifulSoup

from tools import chapters as sources

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
INDEX = ROOT / "docs" / "index.md"


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
    return [Toctree(caption, docnames) for caption, docnames in sources.toctrees(ROOT)]


def all_docnames() -> list[str]:
    return ["docs/index"] + [name for tree in toctrees() for name in tree.docnames]


def read_chapter(docname: str) -> Chapter:
    """A chapter's code cells (those the build keeps) and its glued figures.

    Cells come from myst-nb's own reader, as the build reads them (``tools/chapters.py``).
    """
    path = ROOT / f"{docname}.md"
    chapter = Chapter(docname=docname, path=path)
    text = sources.read_text(path, ROOT)
    for cell in sources.code_cells(text, docname):
        if "remove-cell" not in cell.tags:
            chapter.cells.append(SourceCell(line=cell.fence, source=cell.source, tags=cell.tags))
    for figure in sources.directives(text, "glue:figure"):
        name = figure.options.get("name")
        caption = "\n".join(figure.body)
        chapter.figures.append(GlueFigure(figure.line, figure.argument, name, caption))
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
