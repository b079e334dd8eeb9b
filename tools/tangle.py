"""Tangle the book's chapters into the packages under ``src/``.

A code cell joins a module with the code-cell option ``:tangle: micrograd/engine.py``.
Cells are collected in book order (the toctrees of ``docs/index.md``); imports are hoisted
with their comments, a function decorated ``@extend(Cls)`` becomes a method of ``class
Cls`` (decorator dropped, comments and docstring kept), the rest keeps its order, and
``ruff`` (the project's settings) sorts the imports and formats the module. A module that
would lose a comment, or anything else that would not read like hand-written code, is
refused with ``chapter.md:line: reason`` before a file is written. The header records a
digest of what was written, so a hand edit in ``src/`` is kept (unless ``--force``) and the
chapter line to edit is named. Changed modules go to temporary files, then are renamed
together behind a journal that the next run completes if this one was killed.

    python -m tools.tangle [--check | --force]   # --check: write nothing, exit 1 on drift
The book build runs the check too, or tangles first (``docs/_ext/bookchecks.py``).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import shutil
import subprocess
import sys
import tokenize
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tools import chapters, srcdir
from tools.chapters import ChapterError, CodeCell
from tools.srcdir import HEADER_PREFIX, JOURNAL, drift, hand_edit

ROOT = Path(__file__).resolve().parent.parent


TangleError = ChapterError  # a chapter cannot be tangled; the message is "file:line: reason"


@dataclass
class Chunk:
    """A top-level statement with its leading comments, ready to be written out."""

    text: str
    where: str  # "chapter.md:line" of the statement
    cell: str  # the cell it came from (its blank lines above in that cell start its text)
    methods: list[str] = field(default_factory=list)  # a class's @extend methods


@dataclass
class Module:
    target: str
    chapters: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # statements with their comments
    docstring: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # "f", "Cls", "Cls.m" -> where
    classes: dict[str, Chunk] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)  # comment -> where


# --- reading chapters ------------------------------------------------------------------


book_order = chapters.book_order  # chapters in the toctrees of docs/index.md, in order


def read_cells(chapter: Path, root: Path) -> list[CodeCell]:
    """The tangled code cells of one chapter."""
    return [cell for cell in chapters.chapter_cells(chapter, root) if cell.target]


# --- assembling modules ----------------------------------------------------------------


def check_target(cell: CodeCell, root: Path) -> None:
    where, target = f"{cell.chapter}:{cell.fence}", cell.target
    parts = Path(target).parts
    if not target.endswith(".py"):
        raise TangleError(f"{where}: tangle target {target!r} is not a .py file")
    if Path(target).is_absolute() or ".." in parts or target.startswith(("/", "\\")):
        raise TangleError(f"{where}: tangle target {target!r} is outside src/")
    if len(parts) < 2:
        raise TangleError(f"{where}: tangle target {target!r} is not inside a package")
    src = (root / "src").resolve()
    package = root / "src" / Path(*parts[:-1])
    if not package.is_dir():
        raise TangleError(f"{where}: tangle target {target!r}: no package src/{package.name}/")
    path = root / "src" / target
    if not path.resolve().is_relative_to(src) or path.is_symlink():
        raise TangleError(
            f"{where}: tangle target {target!r} is a symbolic link or inside one "
            f"(to {path.resolve()}); the tangler writes only inside src/"
        )
    if "skip-execution" in cell.tags:
        raise TangleError(f"{where}: a tangled cell must execute, but it is tagged skip-execution")


def extend_decorator(node: ast.AST) -> ast.Call | None:
    """The ``@extend(Cls)`` decorator of a function, if it has one."""
    for deco in getattr(node, "decorator_list", []) if isinstance(node, ast.FunctionDef) else []:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "extend":
            if len(deco.args) == 1 and isinstance(deco.args[0], ast.Name):
                return deco
    return None


def first_line(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def statement_spans(tree: ast.Module, lines: list[str]) -> list[tuple[ast.stmt, int, int]]:
    """Each top-level statement with its 0-based line span: the comments right above it
    are its own, and the last statement also owns the comments after it."""
    spans, previous_end = [], 0
    for node in tree.body:
        start = first_line(node) - 1
        while start > previous_end and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        spans.append([node, start, node.end_lineno])
        previous_end = node.end_lineno
    if spans:
        spans[-1][2] = len(lines)
    return [(node, start, end) for node, start, end in spans]


def strip_blank(text_lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in text_lines).strip("\n")


def bound_names(node: ast.stmt) -> list[str]:
    """The module-level names a statement defines or assigns."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = getattr(node, "targets", [getattr(node, "target", None)])
        return [name for target in targets for name in target_names(target)]
    return []


def target_names(target: ast.expr) -> list[str]:
    """``x`` and ``a, *b = ...`` bind names; ``obj.attr = ...`` and ``d[k] = ...`` do not."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for elt in target.elts for name in target_names(elt)]
    return target_names(target.value) if isinstance(target, ast.Starred) else []


def cell_comments(source: str) -> list[tuple[str, int]]:
    """Every comment of a cell with its 1-based line."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(t.string, t.start[0]) for t in tokens if t.type == tokenize.COMMENT]


def add_cell(module: Module, cell: CodeCell) -> None:
    try:
        tree = ast.parse(cell.source, filename=cell.chapter)
    except SyntaxError as err:
        line = cell.line + (err.lineno or 1) - 1
        raise TangleError(
            f"{cell.chapter}:{line}: tangled cell is not valid Python: {err.msg}"
        ) from None
    lines = cell.source.splitlines()
    if cell.chapter not in module.chapters:
        module.chapters.append(cell.chapter)
    for comment, line in cell_comments(cell.source):
        module.comments.setdefault(comment, f"{cell.chapter}:{cell.line + line - 1}")
    previous_end = None
    for node, start, end in statement_spans(tree, lines):
        where = f"{cell.chapter}:{cell.line + first_line(node) - 1}"
        text = strip_blank(lines[start:end])
        above = "\n" * min(2, sum(not s.strip() for s in lines[previous_end or start : start]))
        previous_end = end
        if isinstance(node, ast.Import | ast.ImportFrom):
            module.imports.append(text)
            continue
        if isinstance(node, ast.Expr) and isinstance(getattr(node.value, "value", 0), str):
            if not module.chunks and not module.docstring:
                module.docstring = text  # a string first in the module is its docstring
                continue
        if isinstance(node, ast.Expr):
            raise TangleError(
                f"{where}: a tangled cell may not hold an expression statement; "
                "show results in a separate, untangled cell"
            )
        if deco := extend_decorator(node):
            if (cls := deco.args[0].id) not in module.classes:
                raise TangleError(
                    f"{where}: @extend({cls}) but class {cls} is not defined earlier in "
                    f"cells tangled to {module.target}"
                )
            claim(module, f"{cls}.{node.name}", where)
            method = lines[start : deco.lineno - 1] + lines[deco.end_lineno : end]
            module.classes[cls].methods.append(strip_blank(method))
            continue
        for name in bound_names(node):
            claim(module, name, where)
        chunk = Chunk(above + text, where, f"{cell.chapter}:{cell.fence}")
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                for method in bound_names(item):
                    claim(module, f"{node.name}.{method}", where)
            module.classes[node.name] = chunk
        module.chunks.append(chunk)


def claim(module: Module, name: str, where: str) -> None:
    if name in module.names:
        raise TangleError(
            f"{where}: {name} is already defined for {module.target} at {module.names[name]}; "
            "tangle only its final version"
        )
    module.names[name] = where


def assemble(module: Module) -> str:
    """The module before formatting: docstring, imports, then the book-ordered body."""
    future_first = sorted(module.imports, key=lambda text: "from __future__" not in text)
    parts = [module.docstring or "", "\n".join(future_first)]
    body, cell = "", None
    for chunk in module.chunks:
        text = chunk.text if chunk.cell == cell else "\n" + chunk.text.lstrip("\n")
        if chunk.methods:
            text = "\n\n".join([strip_placeholder(text), *map(indent, chunk.methods)])
        body, cell = body + "\n" + text, chunk.cell
    return "\n\n".join(p for p in [*parts, body.strip("\n")] if p) + "\n"


def strip_placeholder(class_text: str) -> str:
    """A class whose body is only ``...`` or ``pass`` loses it once methods arrive."""
    lines = class_text.splitlines()
    if len(lines) > 1 and lines[-1].strip() in {"...", "pass"}:
        return "\n".join(lines[:-1])
    return class_text


def indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.splitlines())


def ruff(*args: str, text: str, root: Path, filename: str) -> str:
    """Run ruff (the project's settings) on ``text`` as if it were ``filename``."""
    binary = shutil.which("ruff", path=Path(sys.executable).parent) or shutil.which("ruff")
    if binary is None:
        raise TangleError(f"{filename}: ruff is needed to format tangled modules; pip install ruff")
    done = subprocess.run(
        [binary, *args, "--stdin-filename", filename, "-"],
        input=text, capture_output=True, text=True, cwd=root,
    )  # fmt: skip
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise TangleError(f"{filename}: ruff could not format the tangled module: {reason}")
    return done.stdout


@cache
def ruff_settings(root: Path) -> str:
    """What besides its input decides ruff's output: its version and our configuration."""
    configs = [root / name for name in ("pyproject.toml", "ruff.toml", ".ruff.toml")]
    with suppress(PackageNotFoundError):
        return version("ruff") + "".join(p.read_text() for p in configs if p.is_file())
    return str(id(configs))  # a ruff from elsewhere: format again each time


def render(module: Module, root: Path = ROOT) -> str:
    """The module's final text: header with digests, then the ruff-formatted code."""
    filename, source = f"src/{module.target}", assemble(module)
    header = f"{HEADER_PREFIX}{', '.join(module.chapters)}; edit the chapters, not this file."
    key = srcdir.digest(header + source + ruff_settings(root))
    path = root / filename
    if path.is_file() and srcdir.reusable(chapters.read_text(path, root), header, key):
        return chapters.read_text(path, root)  # formatted from this very input before
    code = ruff("check", "--select", "I", "--fix-only", "--quiet", text=source, root=root,
                filename=filename)  # fmt: skip
    code = ruff("format", "--quiet", text=code, root=root, filename=filename)
    kept = {comment for comment, _line in cell_comments(code)}
    for comment, where in module.comments.items():
        if comment not in kept:
            raise TangleError(f"{where}: the comment {comment!r} would be lost in {filename}")
    return srcdir.stamp(header, code, key)


def collect(root: Path = ROOT) -> dict[str, Module]:
    """Every chapter's tangled cells, in book order, gathered into modules (no writing)."""
    modules: dict[str, Module] = {}
    for chapter in book_order(root):
        if not chapter.exists():
            raise TangleError(f"docs/index.md: the toctree lists {chapter}, which is missing")
        for cell in read_cells(chapter, root):
            check_target(cell, root)
            add_cell(modules.setdefault(cell.target, Module(cell.target)), cell)
    return modules


def tangle(root: Path = ROOT) -> dict[Path, str]:
    """Every tangled module's path under ``src/`` mapped to its content."""
    return {root / "src" / target: render(m, root) for target, m in collect(root).items()}


def origin(module: Module, text: str, line: int) -> str:
    """The chapter line that wrote the 0-based ``line`` of the module's ``text``."""
    for node in ast.parse(text).body:
        if not first_line(node) - 1 <= line < node.end_lineno:
            continue
        inner = [n for n in getattr(node, "body", []) if first_line(n) - 1 <= line < n.end_lineno]
        names = [f"{node.name}.{n}" for i in inner for n in bound_names(i)] + bound_names(node)
        found = [module.names[n] for n in names if n in module.names]
        if found:
            return found[0]
    return module.chapters[0]


# --- writing and checking --------------------------------------------------------------


def where_to_edit(module: Module | None, current: str, text: str) -> str:
    """The chapter lines whose tangled code the differing lines belong to."""
    if module is None or not text:
        return "the chapter that tangled it"
    wanted, places = text.splitlines()[1:], []  # below the header line
    matcher = difflib.SequenceMatcher(a=current.splitlines()[1:], b=wanted, autojunk=False)
    for tag, _i1, _i2, j1, _j2 in matcher.get_opcodes():
        owner = origin(module, text, 1 + min(j1, len(wanted) - 1))
        if tag != "equal" and owner not in places:
            places.append(owner)
    return ", ".join(places or module.chapters[:1])


def problems(root: Path, modules: dict, changes: list, check: bool) -> list[str]:
    """One line per drifted file (``check``) or per hand edit a tangle would overwrite."""
    lines = []
    for path, current, text in changes:
        rel, module, edit = path.relative_to(root), modules.get(path), hand_edit(current)
        where = where_to_edit(module, current, text)
        if check and not text:
            lines.append(f"{rel}: generated, but no chapter tangles into it any more")
        elif check and not current:
            lines.append(f"{rel}: missing; run `make tangle` (from {', '.join(module.chapters)})")
        elif check:
            lines.append(f"{rel} differs from its chapters: src/ is generated, so edit "
                         f"{where} and run `make tangle`")  # fmt: skip
        elif edit:
            lines.append(f"{rel} {edit}; put the change in {where} and tangle again, or run "
                         "`python -m tools.tangle --force` to overwrite it")  # fmt: skip
    if check and (root / "src" / JOURNAL).exists():
        lines.append("src/ is half-updated by an interrupted run; run `make tangle`")
    return lines


def run(root: Path, check: bool, force: bool = False) -> int:
    """Tangle (or with ``check``, compare); exit status 0, 1 drift, 2 refused."""
    try:
        modules = {root / "src" / target: m for target, m in collect(root).items()}
        wanted = {path: render(m, root) for path, m in modules.items()}
        for done in [] if check else srcdir.finish_interrupted(root):
            print(f"tangle: {done}")
        changes = drift(root, wanted, exact=not check)
    except ChapterError as err:
        print(f"tangle: {err}", file=sys.stderr)
        return 2
    for path, current, text in changes if check else []:
        rel = str(path.relative_to(root))
        sys.stdout.writelines(difflib.unified_diff(
            current.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"{rel} (on disk)", tofile=f"{rel} (tangled from the chapters)",
        ))  # fmt: skip
    found = [] if force else problems(root, modules, changes, check)
    for line in found:
        print(f"tangle: {line}", file=sys.stderr)
    if found:
        return 1 if check else 2
    srcdir.write_set(root, changes)
    for path, _current, text in changes:
        print(f"tangle: {'wrote' if text else 'removed'} {path.relative_to(root)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.tangle", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    parser.add_argument("--force", action="store_true", help="overwrite hand edits in src/")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return run(args.root.resolve(), args.check, args.force)


if __name__ == "__main__":
    sys.exit(main())
