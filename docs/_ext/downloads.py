"""Sphinx extension: every chapter can be downloaded as an executed Jupyter notebook.

sphinx-book-theme's download menu offers the page's source (the chapter's ``.md``) and,
when the HTML context names an ``ipynb_source``, a ``.ipynb`` too. myst-nb writes each
chapter as a notebook to ``_build/jupyter_execute/<page>.ipynb``, but in cache mode that
file holds the cells without their outputs (the outputs live in the execution cache). So
we fill the outputs in from the cache, drop the invisible outputs of ``glue(...,
display=False)`` (Jupyter would show "no renderer" for them), and write the result next to
the Markdown source in ``_build/html/_sources``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

GLUE_MIME = "application/papermill.record/"


def executed_notebook(app: Sphinx, pagename: str) -> nbformat.NotebookNode | None:
    """The chapter as myst-nb executed it, with its outputs; None for other pages."""
    written = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not written.is_file():
        return None
    notebook = nbformat.read(written, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if code and not any(cell.get("execution_count") for cell in code):
        from jupyter_cache import get_cache

        try:
            _, notebook = get_cache(app.config.nb_execution_cache_path).merge_match_into_notebook(
                notebook
            )
        except KeyError:
            logger.warning(f"{pagename}: no executed notebook in the cache to offer for download")
            return None
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                output
                for output in cell.outputs
                if not (
                    output.get("data")
                    and all(mime.startswith(GLUE_MIME) for mime in output["data"])
                )
            ]
    return notebook


def offer_notebook(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    notebook = executed_notebook(app, pagename)
    if notebook is None:
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict:
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
