"""A chapter downloaded as a notebook runs on its own, outside the repository.

Each ``.ipynb`` that the download menu offers is copied, without its outputs, into an
empty temporary directory and executed top to bottom in a fresh kernel with nbclient.
The kernel sees the installed packages but neither the repository (its working directory
is the temporary one) nor myst-nb (an import of ``myst_nb`` fails there, as it does for a
reader who installed only ``spelled-out``): the chapters must load their data through the
package and publish numbers with ``spelled_out.glue``.

Executing every chapter again takes as long as building the book, so ``make test`` runs
the first chapter of each part (they hold the two swaps: glue everywhere, and the names
read through ``makemore.words.bundled_names``); ``make test-notebooks`` runs them all.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from .sources import HTML, ROOT, toctrees

# myst-nb stands in for every book-only tool: a reader has none of them.
BLOCKED = ("myst_nb",)


def downloads(every: bool) -> list[str]:
    chapters = [[d for d in tree.docnames if d.startswith("literate/")] for tree in toctrees()]
    return [d for part in chapters for d in (part if every else part[:1])]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "docname" in metafunc.fixturenames:
        every = metafunc.config.getoption("--all-notebooks")
        metafunc.parametrize("docname", downloads(every))


def without_book_tools(directory: Path) -> dict[str, str]:
    """The environment for the kernel: importing a blocked module fails as if missing."""
    for name in BLOCKED:
        package = directory / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(
            f"raise ModuleNotFoundError({f'No module named {name!r}'!r}, name={name!r})\n"
        )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(directory)
    env.pop("PYTHONSTARTUP", None)
    return env


def test_downloaded_notebook_runs_outside_the_repository(docname, tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    downloaded = HTML / "_sources" / f"{docname}.ipynb"
    assert downloaded.is_file(), f"{docname}: no notebook to download at {downloaded}"
    notebook = nbformat.read(downloaded, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for leak in ("myst_nb", "../.."):  # book tools, files of the repository
                assert leak not in cell.source, f"{docname}.ipynb: a cell uses {leak!r}"
            cell.outputs, cell.execution_count = [], None
    work = tmp_path / "reader"
    work.mkdir()
    shutil.copy(downloaded, work / downloaded.name)  # what a reader has: the file alone
    assert not work.resolve().is_relative_to(ROOT)

    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(work)}},
    )
    try:
        client.execute(env=without_book_tools(tmp_path / "blocked"))
    except CellExecutionError as error:
        pytest.fail(f"{docname}.ipynb fails outside the repository:\n{str(error)[-3000:]}")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    skipped = [c for c in code if "skip-execution" in c.metadata.get("tags", [])]
    ran = [c for c in code if c.execution_count]
    assert len(ran) == len(code) - len(skipped), f"{docname}.ipynb: not every cell ran"
