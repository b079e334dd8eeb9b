"""Checks on what the book will hold: orphan chapters and oversized cell outputs."""

import logging
import sys
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))

import bookchecks  # noqa: E402


def page_with_output(text: str) -> nodes.document:
    document = new_document("chapter.md", get_default_settings(Parser))
    output = nodes.container(classes=["cell_output"])
    output += nodes.literal_block(text, text)
    output.source, output.line = "literate/part/ch.md", 12
    document += output
    return document


def app(tmp_path: Path, limit: int = 1000) -> SimpleNamespace:
    return SimpleNamespace(srcdir=str(tmp_path), config=SimpleNamespace(book_output_limit=limit))


def test_an_output_over_the_limit_warns_with_its_size(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        bookchecks.check_output_sizes(app(tmp_path), page_with_output("x" * 1001))
    assert "a code cell's output is 1,001 bytes, over the book's limit of 1,000" in caplog.text


def test_an_output_within_the_limit_is_quiet(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        bookchecks.check_output_sizes(app(tmp_path), page_with_output("x" * 1000))
    assert caplog.text == ""


def test_image_files_count_towards_the_size(tmp_path):
    (tmp_path / "plot.png").write_bytes(b"\0" * 5000)
    output = nodes.container(classes=["cell_output"])
    output += nodes.image(uri="plot.png")
    assert bookchecks.output_size(output, tmp_path) == 5000


def test_orphan_chapters_are_left_out_with_a_warning(tmp_path, caplog):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# Book\n\n```{toctree}\n/literate/p/a\n```\n")
    (tmp_path / "literate/p").mkdir(parents=True)
    (tmp_path / "literate/p/a.md").write_text("# A\n")
    (tmp_path / "literate/p/draft.md").write_text("# Draft\n")
    config = SimpleNamespace(exclude_patterns=["_build"])
    with caplog.at_level(logging.WARNING):
        bookchecks.leave_out_orphans(SimpleNamespace(srcdir=str(tmp_path)), config)
    assert config.exclude_patterns == ["_build", "literate/p/draft.md"]
    assert "literate/p/draft.md: no toctree of docs/index.md lists this chapter" in caplog.text
