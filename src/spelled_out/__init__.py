"""Book plumbing that lets a chapter run as a plain notebook.

The chapters publish their numbers with myst-nb's ``glue`` so that the prose can quote
them. A reader who downloads a chapter as ``.ipynb`` and runs it with only this package
installed has no myst-nb, so :func:`glue` falls back to showing the value (or nothing).

Not tangled from a chapter: it is the book's machinery, not part of what the book builds.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Record ``variable`` under ``name`` for the book's ``{glue}`` roles.

    With myst-nb installed this is ``myst_nb.glue``. Without it, nothing is recorded:
    the value is shown as the cell's output when ``display`` is true, as myst-nb would show
    it, and otherwise the call does nothing.

    >>> glue("answer", 42, display=False)  # silent with or without myst-nb
    """
    try:
        from myst_nb import glue as myst_glue
    except ModuleNotFoundError:
        if display:
            _show(variable)
        return
    myst_glue(name, variable, display=display)


def _show(variable: Any) -> None:
    try:
        from IPython.display import display
    except ModuleNotFoundError:
        print(repr(variable))
    else:
        display(variable)
