"""The two halves of live cells that run without a browser: which cells are live (decided
at build time from their imports) and the kernel that runs them (here under CPython, in a
subprocess so that its stand-ins for myst_nb and IPython replace the real ones)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .sources import ROOT

sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import live_cells  # noqa: E402


@pytest.fixture(autouse=True)
def micrograd_modules():
    live_cells.BLOCKED.clear()
    live_cells.block_unavailable_modules(ROOT / "src", ["micrograd"])
    yield
    live_cells.BLOCKED.clear()


def test_a_cell_is_live_when_the_browser_has_everything_it_imports():
    plans = live_cells.plan_page(
        [
            "import math\nfrom micrograd.engine import Value\nfrom spelled_out import glue",
            "from graphviz import Digraph\nimport collections.abc",
            "import torch",
            "from micrograd.datasets import make_moons",
            "def f():\n    import numpy\n    return numpy",
            "from IPython.display import Markdown",
            "from IPython.display import Image",
            "%timeit 1 + 1",
        ]
    )
    assert [p.live for p in plans] == [True, True, False, False, False, True, False, False]
    assert plans[2].reason == "needs torch"
    assert plans[3].reason == "needs numpy", "micrograd.datasets imports numpy"
    assert plans[4].reason == "needs numpy"
    assert plans[6].reason == "needs IPython.display"
    assert "notebook syntax" in plans[7].reason


def test_names_from_a_cell_that_is_not_live_make_a_cell_not_live():
    plans = live_cells.plan_page(
        [
            "import math\nimport numpy as np\nfrom micrograd.engine import Value",
            "xs = np.linspace(0, 1, 5)",  # np: numpy, imported by a cell that is not live
            "a = Value(math.pi)",  # Value and math: lent by the first cell
            "ys = [x + 1 for x in xs]",  # xs: defined only by a cell that is not live
            "xs = [0.0, 1.0]",
            "zs = [x * 2 for x in xs]",  # xs redefined by a live cell: fine again
        ]
    )
    assert [p.live for p in plans] == [False, False, True, False, True, True]
    assert plans[0].prelude == "import math\nfrom micrograd.engine import Value"
    assert plans[1].reason == "needs numpy"
    assert plans[3].reason == "uses xs from a cell that runs only in the notebook"


def kernel(cells: list[str]) -> list[dict]:
    """What live_kernel.Page answers for each cell, run in order, under CPython."""
    program = (
        "import json, sys\n"
        "for name in ('myst_nb', 'spelled_out', 'IPython'):\n"
        "    sys.modules[name] = None  # use the stand-ins\n"
        "import live_kernel\n"
        "page = live_kernel.Page()\n"
        "for n, source in enumerate(json.load(sys.stdin), start=1):\n"
        "    if source == 'RESET':\n"
        "        page.reset()\n"
        "    else:\n"
        "        print(page.run(source, f'cell {n}'))\n"
    )
    paths = [str(ROOT / "src"), str(ROOT / "docs" / "_ext")]
    done = subprocess.run(
        [sys.executable, "-c", program],
        input=json.dumps(cells),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        cwd=Path(ROOT),
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_kernel_runs_cells_like_a_notebook():
    results = kernel(
        [
            "from __future__ import annotations\nx = 2\nprint('x is', x)\nx * 21",
            "def f(a: NotDefinedAnywhere) -> int:\n    return 1\nf.__annotations__['a']",
            "from myst_nb import glue\nglue('hidden', 1, display=False)\nglue('shown', 2)",
            "from IPython.display import Markdown, display\ndisplay(Markdown('*m*'))\nNone",
            "from micrograd.engine import Value\nfrom micrograd.graph import draw_dot\n"
            "draw_dot(Value(2.0, label='a') * 3)",
            "RESET",
            "x",
        ]
    )
    first, annotations, glued, markdown, graph, after_reset = results
    assert first == {
        "outputs": [{"type": "stream", "text": "x is 2\n"}, {"type": "text", "text": "42"}],
        "error": None,
    }
    # from __future__ imports stay in force for later cells, as in IPython.
    assert annotations["outputs"] == [{"type": "text", "text": "'NotDefinedAnywhere'"}]
    assert glued["outputs"] == [{"type": "text", "text": "2"}]
    assert markdown["outputs"] == [{"type": "text", "text": "*m*"}]
    [dot] = graph["outputs"]
    assert dot["type"] == "dot" and "data 2.0000" in dot["text"] and "data 6.0000" in dot["text"]
    assert after_reset["error"]["line"] == "NameError: name 'x' is not defined (line 1)"


def test_errors_are_one_line_and_a_traceback_of_the_cells_own_frames():
    raised, syntax = kernel(["def g(v):\n    return v / 0\n\ng(1.0)", "x = ("])
    assert raised["error"]["line"] == "ZeroDivisionError: float division by zero (line 2)"
    trace = raised["error"]["traceback"]
    assert 'File "<cell 1>", line 4' in trace and 'File "<cell 1>", line 2, in g' in trace
    assert "live_kernel" not in trace
    assert syntax["error"]["line"] == "SyntaxError: '(' was never closed (line 1)"
