"""Which code cells of a page can run in the reader's browser: a static reading of imports.

The browser runs Python with its standard library (Pyodide) plus the wheels the book ships:
``micrograd``, ``graphviz`` (the pure-Python package, which only writes DOT source) and
small stand-ins for the notebook helpers the chapters use, ``glue`` (from ``spelled_out`` or
``myst_nb``) and ``IPython.display``. Each cell is decided on its own, in page order, by two rules:

1. A cell is live when it parses as Python and every module it imports (anywhere in the
   cell, even inside a function) is one of those.
2. A cell that reads a name whose latest definition, earlier on the page, is in a cell that
   is not live, is not live either (it would fail with a ``NameError``).

A cell that is not live still lends the page its imports that the browser has: when the
cells run in page order, its top-level ``import`` statements of available modules run in
its place. A chapter's first cell typically imports ``matplotlib`` (so it is not live) and
``Value`` (which the cells below need): the import of ``Value`` still happens.
"""

from __future__ import annotations

import ast
import builtins
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Standard-library modules that Pyodide's core does not hold (it ships some as separate
# packages, which the book does not bundle) or that cannot work in a browser tab.
NOT_IN_BROWSER = frozenset(
    {
        "hashlib",
        "lzma",
        "_lzma",
        "sqlite3",
        "_sqlite3",
        "ssl",
        "_ssl",
        "test",
        "tkinter",
        "_tkinter",
        "turtle",
        "turtledemo",
        "idlelib",
        "curses",
        "_curses",
        "readline",
        "multiprocessing",
        "concurrent",
        "ensurepip",
        "venv",
        "webbrowser",
    }
)
# Packages shipped as wheels next to the runtime.
SHIPPED = frozenset({"micrograd", "graphviz"})
# Stand-ins provided by the browser kernel: module -> the names it offers.
STAND_INS = {
    "myst_nb": frozenset({"glue"}),
    "spelled_out": frozenset({"glue"}),  # the chapters' glue, which falls back to showing
    "IPython.display": frozenset({"Markdown", "HTML", "display"}),
}


# Modules of the shipped packages that import something the browser lacks (for instance
# micrograd.datasets needs numpy); filled in by `block_unavailable_modules`.
BLOCKED: dict[str, str] = {}  # module -> the top-level module it needs and the browser lacks


def available(module: str, names: Iterable[str] = ()) -> bool:
    """Can ``import module`` (or ``from module import names``) run in the browser?"""
    top = module.split(".")[0]
    if module in STAND_INS or top in STAND_INS:
        offered = STAND_INS.get(module)
        return offered is not None and set(names) <= offered
    if top in SHIPPED:
        wanted = [module, *(f"{module}.{name}" for name in names)]
        return not any(m in BLOCKED for m in wanted)
    return top in sys.stdlib_module_names and top not in NOT_IN_BROWSER


def block_unavailable_modules(src: Path, packages: Iterable[str]) -> set[str]:
    """Mark the modules under ``src/<package>`` that cannot be imported in the browser.

    A module is blocked when one of its imports (outside ``if TYPE_CHECKING:``, which never
    runs) is unavailable or blocked; repeated until nothing changes.
    """
    modules = {}
    for package in packages:
        for path in sorted((src / package).rglob("*.py")):
            parts = path.relative_to(src).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    node.body = []
            package_parts = parts[:-1]  # the package a relative import starts from
            needs = []
            for module, names in imports(tree):
                level = len(module) - len(module.lstrip("."))
                if level:
                    base = package_parts[: len(package_parts) - level + 1]
                    module = ".".join([*base, module[level:]] if module[level:] else base)
                needs.append((module, names))
            modules[name] = needs
    changed = True
    while changed:
        changed = False
        for name, needs in modules.items():
            lacking = [m for m, names in needs if not available(m, names)]
            if name not in BLOCKED and lacking:
                BLOCKED[name] = lacks(lacking[0])
                changed = True
    return set(BLOCKED)


def lacks(module: str) -> str:
    """The module the browser lacks behind an unavailable import of ``module``."""
    if module in STAND_INS:
        return module
    for m in BLOCKED:
        if module == m or module.startswith(m + "."):
            return BLOCKED[m]
    return module.split(".")[0]


def imports(node: ast.AST) -> list[tuple[str, list[str]]]:
    """Every ``(module, imported names)`` pair in ``node``, at any depth."""
    found = []
    for n in ast.walk(node):
        if isinstance(n, ast.Import):
            found.extend((alias.name, []) for alias in n.names)
        elif isinstance(n, ast.ImportFrom):
            module = "." * n.level + (n.module or "")
            found.append((module, [alias.name for alias in n.names]))
    return found


def bound_names(node: ast.AST) -> set[str]:
    """Names the code binds, generously: any assignment target, def, class, import or
    parameter at any depth (a cell that only binds ``x`` inside a function still counts)."""
    names: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            names.add(n.id)
        elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(n.name)
        elif isinstance(n, ast.Import | ast.ImportFrom):
            for alias in n.names:
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        elif isinstance(n, ast.MatchAs | ast.MatchStar) and n.name:
            names.add(n.name)
    return names


def free_names(node: ast.AST) -> set[str]:
    """Names the code reads but does not bind itself, builtins left out."""
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - bound_names(node) - set(dir(builtins))


@dataclass
class Plan:
    """What the browser does with one code cell."""

    source: str
    live: bool
    reason: str = ""  # why not live, for the reader ("needs torch")
    prelude: str = ""  # for a cell that is not live: its imports that the browser runs
    binds: set[str] = field(default_factory=set)


def plan_cell(source: str) -> Plan:
    """Rule 1 alone: this cell's syntax and imports."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Plan(source, live=False, reason="uses notebook syntax (not plain Python)")
    missing = [m for m, names in imports(tree) if not available(m, names)]
    if not missing:
        return Plan(source, live=True, binds=bound_names(tree))
    module = lacks(missing[0])
    return Plan(
        source,
        live=False,
        reason=f"needs {module}",
        prelude=lent_imports(source, tree),
        binds=bound_names(tree),
    )


def lent_imports(source: str, tree: ast.Module) -> str:
    """The cell's top-level imports that the browser can run, as source."""
    kept = [
        stmt
        for stmt in tree.body
        if isinstance(stmt, ast.Import | ast.ImportFrom)
        and all(available(m, names) for m, names in imports(stmt))
    ]
    return "\n".join(ast.get_source_segment(source, stmt) or "" for stmt in kept)


def plan_page(sources: Sequence[str]) -> list[Plan]:
    """Rules 1 and 2 for the code cells of one page, in page order."""
    plans: list[Plan] = []
    live_binding: dict[str, bool] = {}  # name -> is its latest definition live?
    missing_module: dict[str, str] = {}  # name -> the unavailable module it was imported as
    for source in sources:
        plan = plan_cell(source)
        if plan.live:
            stale = sorted(
                name for name in free_names(ast.parse(source)) if live_binding.get(name) is False
            )
            # A module the browser lacks, used through an earlier import, is named as such.
            stale.sort(key=lambda name: name not in missing_module)
            if stale:
                tree = ast.parse(source)
                name = stale[0]
                plan = Plan(
                    source,
                    live=False,
                    reason=f"needs {missing_module[name]}"
                    if name in missing_module
                    else f"uses {name} from a cell that runs only in the notebook",
                    prelude=lent_imports(source, tree),
                    binds=bound_names(tree),
                )
        if plan.live:
            for name in plan.binds:
                live_binding[name] = True
                missing_module.pop(name, None)
        else:
            lent = bound_names(ast.parse(plan.prelude)) if plan.prelude else set()
            for name in plan.binds:
                live_binding[name] = name in lent
                missing_module.pop(name, None)
            missing_module.update(unavailable_imports(source))
        plans.append(plan)
    return plans


def unavailable_imports(source: str) -> dict[str, str]:
    """Names bound by the cell's top-level imports of modules the browser lacks -> module."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return {}
    found = {}
    for stmt in body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if not available(alias.name):
                    found[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            names = [alias.name for alias in stmt.names]
            if not available(stmt.module, names):
                for alias in stmt.names:
                    found[alias.asname or alias.name] = stmt.module.split(".")[0]
    return found
