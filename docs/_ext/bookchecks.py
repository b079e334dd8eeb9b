"""Sphinx extension: checks on what the book will hold, before and while it is built.

* The packages in ``src/`` must be what the chapters tangle to (``tools/tangle.py``): the
  build stops on drift, naming the chapter line to edit. With ``-D tangle_on_build=write``
  (``make livehtml``) it tangles first instead, inside this process, which has the
  chapter reader loaded already.
* A chapter under ``literate/`` that no toctree of ``docs/index.md`` lists would still be
  executed and written, but no reader could reach it: it is left out of the build, with a
  warning naming it (an error under ``-W``).
* A code cell whose output is larger than ``book_output_limit`` bytes (text, HTML, or
  image files) warns, naming the cell: a stray ``print`` of a big table makes a page of
  megabytes that nobody asked for. myst-nb has no such limit of its own.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from tools import chapters, tangle

logger = logging.getLogger(__name__)


def check_tangled(app) -> None:
    from sphinx.errors import ExtensionError

    root = Path(app.srcdir)
    if app.config.tangle_on_build == "write":
        if tangle.run(root, check=False) != 0:
            raise ExtensionError("tangle: refused (see above)")
        return
    try:
        modules = {root / "src" / target: m for target, m in tangle.collect(root).items()}
        wanted = {path: tangle.render(m, root) for path, m in modules.items()}
        changes = tangle.drift(root, wanted)
    except chapters.ChapterError as err:
        raise ExtensionError(f"tangle: {err}") from None
    if found := tangle.problems(root, modules, changes, check=True):
        raise ExtensionError(f"tangle: {'; '.join(found)}")


def leave_out_orphans(app, config) -> None:
    root = Path(app.srcdir)
    for path in chapters.orphans(root):
        rel = path.relative_to(root).as_posix()
        logger.warning(
            f"{rel}: no toctree of docs/index.md lists this chapter, so the book leaves it "
            "out; add it to a toctree or move it out of literate/"
        )
        config.exclude_patterns.append(rel)


def output_size(output: nodes.Element, srcdir: Path) -> int:
    """Bytes a cell output adds to its page: its text and markup, and its image files."""
    size = len(output.astext().encode("utf-8"))
    for image in output.findall(nodes.image):
        for uri in [image.get("uri", ""), *image.get("candidates", {}).values()]:
            path = srcdir / uri.lstrip("/")
            if uri and path.is_file():
                size += path.stat().st_size
                break
    return size


def check_output_sizes(app, doctree: nodes.document) -> None:
    limit = app.config.book_output_limit
    for output in doctree.findall(nodes.container):
        if "cell_output" not in output.get("classes", []):
            continue
        size = output_size(output, Path(app.srcdir))
        if size > limit:
            logger.warning(
                f"a code cell's output is {size:,} bytes, over the book's limit of {limit:,} "
                "(book_output_limit in conf.py): show less, or save it to a file",
                location=output,
            )


def setup(app) -> dict:
    app.add_config_value("book_output_limit", 1_000_000, "env", int)
    app.add_config_value("tangle_on_build", "check", "env", str)
    app.connect("builder-inited", check_tangled)
    app.connect("config-inited", leave_out_orphans)
    app.connect("doctree-read", check_output_sizes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
