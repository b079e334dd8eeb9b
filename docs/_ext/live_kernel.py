"""The kernel of live cells: runs a page's cells in the reader's browser (inside Pyodide).

It is shipped to the browser in a wheel with the book and imported there by live.js; it
also runs under CPython, which is how its tests exercise it. One ``Page`` holds the
namespace that a page's cells share. ``Page.run`` executes one cell as Jupyter would:
statements, then the last expression's value displayed; ``from __future__`` imports stay
in force for later cells, as in IPython. It answers with JSON: a list of outputs
(``stream``, ``text``, ``dot`` for Graphviz source, which the page draws as SVG) and, when
the cell raised, a one-line message and the traceback from the cell's own frames.

Notebook helpers that chapters import get stand-ins here: ``myst_nb.glue`` displays its
value (or nothing with ``display=False``) and ``IPython.display`` offers ``display``,
``Markdown`` and ``HTML``, shown as text.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import json
import linecache
import sys
import traceback
import types
from typing import Any

_outputs: list[dict[str, str]] | None = None  # those of the cell now running


def _emit(kind: str, text: str) -> None:
    if _outputs is None:
        return
    if kind == "stream" and _outputs and _outputs[-1]["type"] == "stream":
        _outputs[-1]["text"] += text  # stdout and stderr merged, as the book shows them
    else:
        _outputs.append({"type": kind, "text": text})


def display(*objects: Any) -> None:
    """Show each object below the cell: Graphviz graphs as DOT source, the rest as text."""
    for obj in objects:
        source = getattr(obj, "source", None)
        if type(obj).__module__.startswith("graphviz") and isinstance(source, str):
            _emit("dot", source)
        elif hasattr(obj, "_repr_markdown_"):
            _emit("text", obj._repr_markdown_())
        else:
            _emit("text", repr(obj))


class _Markup:
    """Markdown or HTML that a notebook would render; here shown as its text."""

    def __init__(self, data: str = "") -> None:
        self.data = data

    def _repr_markdown_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.data!r})"


class Markdown(_Markup):
    pass


class HTML(_Markup):
    pass


def glue(name: str, variable: Any, display: bool = True) -> None:
    """myst-nb's glue: in a book it stores ``variable`` for the prose; here it only shows it."""
    if display:
        globals()["display"](variable)


def _install_stand_ins() -> None:
    """Register the stand-in modules, unless the real ones are installed (under CPython)."""
    for name, members in {
        "myst_nb": {"glue": glue},
        "spelled_out": {"glue": glue},
        "IPython.display": {"display": display, "Markdown": Markdown, "HTML": HTML},
    }.items():
        try:
            __import__(name)
        except ImportError:
            module = types.ModuleType(name, "Stand-in for live cells in the browser.")
            module.__dict__.update(members)
            sys.modules[name] = module
            parent, _, child = name.rpartition(".")
            if parent:
                if sys.modules.get(parent) is None:
                    sys.modules[parent] = types.ModuleType(parent)
                setattr(sys.modules[parent], child, module)


class _Stream:
    """sys.stdout/sys.stderr while a cell runs."""

    def write(self, text: str) -> int:
        _emit("stream", text)
        return len(text)

    def flush(self) -> None:
        pass


class Page:
    """The shared state of one page's cells."""

    def __init__(self, packages: tuple[str, ...] = ("micrograd",)) -> None:
        self.packages = packages
        self.reset()

    def reset(self) -> None:
        """Forget every name and re-import the packages on next use, as after a restart."""
        for name in list(sys.modules):
            if name.split(".")[0] in self.packages:
                del sys.modules[name]
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.flags = 0  # from __future__ imports seen so far

    def _compile(self, node: ast.Module | ast.Expression, filename: str, mode: str):
        code = compile(node, filename, mode, flags=self.flags, dont_inherit=True)
        for feature in __future__.all_feature_names:
            flag = getattr(__future__, feature).compiler_flag
            if code.co_flags & flag:
                self.flags |= flag
        return code

    def run(self, source: str, name: str = "cell") -> str:
        """Run ``source`` in the page's namespace; the outputs and any error, as JSON."""
        global _outputs
        filename = f"<{name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _outputs = outputs = []
        error = None
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = _Stream()
        try:
            tree = ast.parse(source, filename)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(self._compile(tree, filename, "exec"), self.namespace)
            if last is not None:
                value = eval(
                    self._compile(ast.Expression(last.value), filename, "eval"), self.namespace
                )
                if value is not None:
                    self.namespace["_"] = value
                    display(value)
        except BaseException as exc:  # noqa: BLE001 - the reader's code may raise anything
            error = _describe(exc, name)
        finally:
            sys.stdout, sys.stderr = saved
            _outputs = None
        return json.dumps({"outputs": outputs, "error": error})


def _describe(exc: BaseException, name: str) -> dict[str, str]:
    """The one-line message and the traceback without the kernel's own frames."""
    filename = f"<{name}>"
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    message = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        tb = None  # the frames are those of the parser, not the reader's
        line = f"SyntaxError: {exc.msg} (line {exc.lineno})"
    else:
        in_cell = [frame for frame in traceback.extract_tb(tb) if frame.filename == filename]
        if in_cell:
            line += f" (line {in_cell[-1].lineno})"
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return {"line": line, "traceback": text}


_install_stand_ins()
