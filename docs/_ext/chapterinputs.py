"""Sphinx extension: after a change in ``src/`` or ``data/``, re-execute only the chapters
that use it.

myst-nb keeps each chapter's outputs in its execution cache (jupyter-cache), keyed on the
chapter's own code cells. But chapters also import the tangled packages and read data
files, which the key does not see. Before reading, this extension computes for every
notebook page a fingerprint of what its code depends on:

* the ``src/`` modules it imports (``import x``, ``from x import y``, or a string naming a
  module, as in ``python -m makemore``), followed transitively through their own imports;
* the package data next to those modules (``makemore/names.txt``);
* the files of ``data/`` that its code names.

A page whose fingerprint differs from the one recorded at the last build loses its cache
entry and is read (so executed) again; all other pages keep their outputs. Modules count
by their code, not their layout: a comment or a blank line changes no output, so it
re-executes nothing (beyond the chapter whose cell was edited). Pages with a cell tagged
``raises-exception`` show tracebacks that quote source lines, so for them the exact text
counts.

While an author edits (``make livehtml`` sets ``chapter_inputs_defer``), the chapter whose
source was saved runs first, alone, so its page is back in seconds; the other chapters
that use what changed keep their old outputs for one build and run in the next, which
this extension starts by touching :data:`TRIGGER` (sphinx-autobuild watches it).
``make html`` and ``make test`` never defer.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from contextlib import suppress
from functools import cache
from pathlib import Path

from tools import chapters

STAMPS = "chapter-inputs.json"  # in the execution cache: page -> fingerprint
TRIGGER = Path(".cache") / "deferred-chapters"  # under the source directory


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_bytes(), filename=str(path))


@cache
def module_file(src: Path, name: str) -> Path | None:
    base = src / Path(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def imports_of(path: Path, src: Path, package: str) -> frozenset[str]:
    return frozenset(named_modules(parse(path), src, package))


@cache
def code_digest(path: Path) -> bytes:
    """A module's code without its comments and layout."""
    return hashlib.sha256(ast.dump(parse(path)).encode()).digest()


def named_modules(tree: ast.AST, src: Path, package: str = "") -> set[str]:
    """Modules of ``src/`` that the code imports or names in a string."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value.split(".")
            if all(w.isidentifier() for w in words) and module_file(src, node.value):
                names |= {node.value, f"{node.value}.__main__"}  # python -m <module>
    return {name for name in names if name and module_file(src, name)}


def dependencies(modules: set[str], src: Path) -> list[Path]:
    """The ``src/`` files that importing ``modules`` runs, with their parent packages."""
    todo, done = set(modules), {}
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):
            parent = ".".join(parts[:i])
            path = module_file(src, parent)
            if parent in done or path is None:
                continue
            done[parent] = path
            package = parent if path.name == "__init__.py" else ".".join(parts[: i - 1])
            todo |= imports_of(path, src, package) - set(done)
    return sorted(set(done.values()))


def page_inputs(page: Path, root: Path, known: dict) -> dict:
    """What a page's code names: modules, data files, and whether it shows tracebacks.

    Reading a chapter is the slow part, so the answer is kept until the page changes.
    """
    stat = page.stat()
    key = f"{stat.st_mtime_ns} {stat.st_size}"
    if known.get("key") == key:
        return dict(known)
    cells = chapters.code_cells(page.read_text(encoding="utf-8"), str(page))
    modules: set[str] = set()
    for cell in cells:
        try:
            modules |= named_modules(ast.parse(cell.source), root / "src")
        except SyntaxError:  # IPython magics: read the cell's import lines one by one
            for line in cell.source.splitlines():
                with suppress(SyntaxError):
                    modules |= named_modules(ast.parse(line.strip()), root / "src")
    code = "\n".join(cell.source for cell in cells)
    return {
        "key": key,
        "modules": sorted(modules),
        "data": [p.name for p in sorted((root / "data").glob("*")) if p.name in code],
        "exact": any("raises-exception" in cell.tags for cell in cells),
    }


def fingerprint(inputs: dict, root: Path) -> str:
    src = root / "src"
    files = dependencies(set(inputs["modules"]), src)
    for package in sorted({path.relative_to(src).parts[0] for path in files}):
        files += [p for p in sorted((src / package).rglob("*")) if _is_data(p)]
    files += [root / "data" / name for name in inputs["data"] if (root / "data" / name).is_file()]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        if path.suffix == ".py" and not inputs["exact"]:
            digest.update(code_digest(path))  # code, not comments or layout
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _is_data(path: Path) -> bool:
    skipped = {"__pycache__"}
    return path.is_file() and path.suffix not in {".py", ".pyc"} and not skipped & set(path.parts)


def plan(
    outdated: list[str], edited: set[str], deferred_last_time: bool, defer: bool
) -> tuple[list[str], list[str]]:
    """Split the ``outdated`` pages into those to run in this build and those to defer.

    With ``defer``, pages not ``edited`` wait for the next build, unless the last build
    already deferred some (then everything outdated runs, so nothing waits twice) or no
    page with code was edited (a change in ``src/`` or ``data/`` alone, or in prose only:
    nothing to show first).
    """
    if not defer or deferred_last_time or not edited:
        return outdated, []
    return [d for d in outdated if d in edited], [d for d in outdated if d not in edited]


def forget(cache_dir: Path, uris: set[str]) -> None:
    """Remove the cached outputs of these pages from myst-nb's execution cache."""
    from jupyter_cache import get_cache

    jcache = get_cache(str(cache_dir))
    for record in jcache.list_cache_records():
        if record.uri in uris:
            jcache.remove_cache(record.pk)


def _outdated(app, env, added, changed, removed) -> list[str]:
    """Forget the cached outputs of pages whose inputs changed; have Sphinx read them again."""
    if app.config.nb_execution_mode != "cache":
        return []
    for cached in (parse, module_file, imports_of, code_digest):  # files may have changed
        cached.cache_clear()
    root = Path(app.srcdir)
    cache_dir = Path(app.config.nb_execution_cache_path)
    stamps_file = cache_dir / STAMPS
    old = json.loads(stamps_file.read_text()) if stamps_file.exists() else {}
    modules = sorted(str(p.relative_to(root)) for p in (root / "src").rglob("*.py"))
    new: dict = {"src/": modules}
    outdated: list[str] = []
    for docname in sorted(env.found_docs):
        page = Path(env.doc2path(docname))
        if page.suffix != ".md" or "{code-cell}" not in page.read_text(encoding="utf-8"):
            continue
        known = old.get(docname, {})
        new[docname] = page_inputs(page, root, known)
        new[docname]["fingerprint"] = fingerprint(new[docname], root)
        if known.get("fingerprint") != new[docname]["fingerprint"]:
            outdated.append(docname)
    defer = bool(app.config.chapter_inputs_defer)
    edited = (added | changed) & set(new)  # pages with code that Sphinx reads anyway
    rerun, deferred = plan(outdated, edited, bool(old.get("deferred")), defer)
    for docname in deferred:  # still outdated: the next build runs it
        new[docname]["fingerprint"] = old.get(docname, {}).get("fingerprint")
    new["deferred"] = deferred
    if deferred:  # on stderr, not as a log record: -q hides those, -W fails on warnings
        print(
            f"chapterinputs: {', '.join(sorted(edited))} first; the next build, right after,"
            f" re-executes what uses the change: {', '.join(deferred)}",
            file=sys.stderr,
        )
    if rerun and cache_dir.exists():
        forget(cache_dir, {str(Path(env.doc2path(docname))) for docname in rerun})
    if old.get("src/") != new["src/"] and "docs/api" in env.found_docs:
        rerun.append("docs/api")  # the API page lists the modules that exist
    app.env_inputs = new  # recorded once the build has succeeded
    return [docname for docname in rerun if docname not in added | changed]


def _record(app, exception) -> None:
    if exception is None and getattr(app, "env_inputs", None):
        stamps_file = Path(app.config.nb_execution_cache_path) / STAMPS
        stamps_file.parent.mkdir(parents=True, exist_ok=True)
        stamps_file.write_text(json.dumps(app.env_inputs, indent=1))
        if app.env_inputs.get("deferred"):  # sphinx-autobuild builds again on this change
            trigger = Path(app.srcdir) / TRIGGER
            trigger.parent.mkdir(parents=True, exist_ok=True)
            trigger.write_text("\n".join(app.env_inputs["deferred"]) + "\n")


def setup(app) -> dict:
    app.add_config_value("chapter_inputs_defer", False, "", bool)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
