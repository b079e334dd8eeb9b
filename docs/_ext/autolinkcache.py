"""Sphinx extension: remember where sphinx-codeautolink found each name, between builds.

After every build, however small, sphinx-codeautolink resolves every name in every code
cell of the book again, and to follow ``model.sample(...)`` to its documentation it imports
the modules the names come from: ``makemore`` and with it torch, numpy and matplotlib. On
a prose-only rebuild that import was most of the time. Where a name leads depends only on
the code it is found in, which the extension keeps itself, and on the modules it imports:
so the answers are kept in ``_build/.autolink-cache.json`` together with a digest of our
packages (``src/``) and of the library folders (pip changes them on every install), and
are asked again only for names not seen before, or after a package changed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import site
from pathlib import Path

import sphinx_codeautolink.extension as autolink
from sphinx_codeautolink.extension.resolve import CouldNotResolve

_resolve = autolink.resolve_location
_memo: dict[str, str | None] = {}
_state = {"path": None, "stamp": "", "dirty": False}


def _stamp(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((root / "src").rglob("*.py")):  # the code, not comments or layout
        code = ast.dump(ast.parse(path.read_bytes()))
        digest.update(str(path.relative_to(root)).encode() + b"\0" + code.encode())
    for folder in sorted(set(site.getsitepackages() + [site.getusersitepackages()])):
        if Path(folder).is_dir():  # installing or upgrading a library changes its listing
            digest.update(f"{folder}:{Path(folder).stat().st_mtime_ns}".encode())
    return digest.hexdigest()


def resolve_location(chain, inventory) -> str | None:
    """sphinx-codeautolink's own resolver, asked once per name chain."""
    key = json.dumps([str(part) for part in chain.import_components])
    if key not in _memo:
        try:
            _memo[key] = _resolve(chain, inventory)
        except CouldNotResolve:
            _memo[key] = None
        _state["dirty"] = True
    if _memo[key] is None:
        raise CouldNotResolve(f"{key}: could not be resolved when first seen")
    return _memo[key]


def _load(app) -> None:
    root = Path(app.srcdir)
    _state["path"] = Path(app.outdir).parent / ".autolink-cache.json"
    _state["stamp"] = _stamp(root)
    _memo.clear()
    if _state["path"].is_file():
        saved = json.loads(_state["path"].read_text(encoding="utf-8"))
        if saved.get("stamp") == _state["stamp"]:
            _memo.update(saved["names"])
    autolink.resolve_location = resolve_location


def _save(app, exception) -> None:
    if exception is None and _state["dirty"] and _state["path"] is not None:
        data = {"stamp": _state["stamp"], "names": _memo}
        _state["path"].write_text(json.dumps(data, indent=0), encoding="utf-8")


def setup(app) -> dict:
    app.connect("builder-inited", _load)
    app.connect("build-finished", _save)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
