"""Every chapter runs in a fresh kernel from its own imports.

A name that a chapter's code uses at module level, in an annotation or inside a function
must be bound in that chapter (imported, defined or assigned) or be a builtin. A name that
only worked because an earlier chapter's kernel still held it is reported with its line.
Module-level uses must also come after the binding, in book order.
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "literate").glob("*/*.md"))
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.M | re.S)
# Names every IPython kernel provides without an import.
KERNEL = {"display", "get_ipython", "In", "Out", "_", "__file__"}
KNOWN = set(dir(builtins)) | KERNEL


def cells(text: str) -> list[tuple[int, str]]:
    """(line of the first code line, source) of each code cell, options and magics blanked."""
    out = []
    for match in CELL.finditer(text):
        first = text.count("\n", 0, match.start(1)) + 1
        lines = match.group(1).splitlines()
        lines = ["" if re.match(r"\s*(:\w|%|!)", line) else line for line in lines]
        out.append((first, "\n".join(lines)))
    return out


def bound(node: ast.AST) -> set[str]:
    """Names that ``node`` binds in the scope it runs in (not inside nested functions)."""
    names: set[str] = set()
    for sub in _walk_scope(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
            names.add(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(sub.name)
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            for alias in sub.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, ast.Global | ast.Nonlocal):
            names.update(sub.names)
        elif isinstance(sub, ast.MatchAs | ast.MatchStar) and sub.name:
            names.add(sub.name)
    return names


def _walk_scope(node: ast.AST):
    """``ast.walk`` that yields a nested function or class but does not enter it."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        if current is not node and isinstance(
            current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            continue
        todo.extend(ast.iter_child_nodes(current))


def binds(statement: ast.stmt) -> set[str]:
    """Names a top-level statement binds in the module (a function: only its name)."""
    return bound(ast.Module(body=[statement], type_ignores=[]))


def loads(node: ast.AST) -> list[ast.Name]:
    """Names read when ``node`` runs: for a function its decorators and defaults (its
    body runs later), for a class its decorators, bases and body."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        parts = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        parts += getattr(node, "decorator_list", [])
    elif isinstance(node, ast.ClassDef):
        parts = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
        local = bound(node)  # the class body's own names, such as __add__
        parts += [n for s in node.body for n in loads(s) if n.id not in local]
    elif isinstance(node, ast.Name):
        return [node] if isinstance(node.ctx, ast.Load) else []
    else:
        parts = list(ast.iter_child_nodes(node))
    return [name for part in parts for name in loads(part)]


def annotations(tree: ast.AST) -> list[ast.Name]:
    """Names read in every annotation of ``tree``, at any depth."""
    found = []
    for sub in ast.walk(tree):
        parts = []
        if isinstance(sub, ast.arg | ast.AnnAssign) and sub.annotation is not None:
            parts.append(sub.annotation)
        if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef) and sub.returns:
            parts.append(sub.returns)
        for part in parts:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                part = ast.parse(part.value, mode="eval")  # a string annotation
            found.extend(n for n in ast.walk(part) if isinstance(n, ast.Name))
    return found


def function_bodies(tree: ast.AST):
    """Every function (and lambda) in ``tree`` with the names bound in it and around it."""

    def visit(node: ast.AST, outer: set[str]):
        for sub in ast.iter_child_nodes(node):
            if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = (
                    outer
                    | bound(sub)
                    | {a.arg for a in ast.walk(sub.args) if isinstance(a, ast.arg)}
                )
                yield sub, inner
                yield from visit(sub, inner)
            elif isinstance(sub, ast.ClassDef):
                yield from visit(sub, outer | bound(sub))
            else:
                yield from visit(sub, outer)

    yield from visit(tree, set())


def undefined_names(text: str, name: str = "chapter.md") -> list[str]:
    """``chapter.md:line: name`` for each name the chapter uses but never binds."""
    parsed = []
    for first, source in cells(text):
        try:
            parsed.append((first, ast.parse(source)))
        except SyntaxError as error:
            return [f"{name}:{first + (error.lineno or 1) - 1}: cannot parse: {error.msg}"]
    everywhere = set(KNOWN)
    for _, tree in parsed:
        everywhere |= bound(tree) | _comprehension_names(tree)
    problems = []

    def report(first: int, node: ast.Name, why: str) -> None:
        problems.append(f"{name}:{first + node.lineno - 1}: {node.id} {why}")

    so_far = set(KNOWN)
    for first, tree in parsed:
        for statement in tree.body:
            so_far |= binds(statement)
            for node in loads(statement):
                if node.id not in so_far and node.id not in _comprehension_names(statement):
                    report(first, node, "is used before the chapter binds it")
        for node in annotations(tree):
            if node.id not in everywhere:
                report(first, node, "is used in an annotation but never imported or defined")
    for first, tree in parsed:
        for function, inner in function_bodies(tree):
            body = function.body if isinstance(function.body, list) else [function.body]
            for statement in body:
                for node in loads(statement):
                    if node.id not in everywhere | inner:
                        report(first, node, "is used in a function but never bound")
    return sorted(set(problems), key=lambda p: int(p.split(":")[1]))


def _comprehension_names(statement: ast.AST) -> set[str]:
    return {
        n.id
        for comp in ast.walk(statement)
        if isinstance(comp, ast.comprehension)
        for n in ast.walk(comp.target)
        if isinstance(n, ast.Name)
    }


# --- the check itself can fail ------------------------------------------------------------

LEFTOVER = """\
```{code-cell} ipython3
from collections.abc import Sequence


def loss(scores: Sequence[Value]) -> Value:
    return sum(scores)
```
"""


def test_an_annotation_naming_an_unimported_class_is_reported():
    assert undefined_names(LEFTOVER) == [
        "chapter.md:5: Value is used in an annotation but never imported or defined"
    ]
    fixed = LEFTOVER.replace(
        "from collections", "from micrograd.engine import Value\nfrom collections"
    )
    assert undefined_names(fixed) == []


def test_module_level_use_before_the_import_is_reported():
    text = (
        "```{code-cell} ipython3\nx = np.zeros(3)\n```\n\n"
        "```{code-cell} ipython3\nimport numpy as np\n```\n"
    )
    assert undefined_names(text) == ["chapter.md:2: np is used before the chapter binds it"]


def test_a_function_using_a_name_from_another_chapter_is_reported():
    text = "```{code-cell} ipython3\ndef f(x):\n    return topological_order(x)\n```\n"
    assert undefined_names(text) == [
        "chapter.md:3: topological_order is used in a function but never bound"
    ]


def test_locals_comprehensions_and_cell_options_are_not_reported():
    text = (
        "```{code-cell} ipython3\n:tags: [hide-input]\n\n%matplotlib inline\n"
        "def f(a, *rest, k=1):\n    b = [c * a for c in rest]\n    return b, k\n\n"
        "ys = [y for y in range(3)]\nlambda z: z + ys[0]\n```\n"
    )
    assert undefined_names(text) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_chapter_binds_every_name_it_uses(chapter):
    assert undefined_names(chapter.read_text(), chapter.name) == []
