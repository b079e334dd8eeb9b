"""Sphinx extension: live cells. micrograd's chapters run in the reader's browser.

On the pages named by ``live_cells_pages``, each code cell that needs only the standard
library and the book's pure-Python packages gets a Run control (live.js); the others get a
"runs in the downloaded notebook" mark. Which is which is decided here, at build time, by
reading each cell's imports (``live_cells.py`` states the rules). The page carries that plan
as JSON; live.js does the rest in the browser.

The runtime is copied into the built site, so a reader never fetches anything from another
host: Pyodide (CPython compiled to WebAssembly) and Graphviz compiled to WebAssembly
(``@viz-js/viz``) come from the npm registry, once, as pinned and checksummed tarballs kept
in ``.cache/live/``; the packages (``micrograd``), the pure-Python ``graphviz`` package
and the kernel (``live_kernel.py``) are packed as wheels on every build. Without ``npm``
(and no cached tarballs) the book builds without live cells and says so in one line.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import importlib.metadata
import io
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import live_cells
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
WORKER = HERE.parent / "_static" / "live-worker.js"


@dataclass(frozen=True)
class NpmTarball:
    """A pinned package from the npm registry and the files of it that the site needs."""

    name: str
    version: str
    integrity: str  # as the registry states it: "sha512-" + base64 digest of the tarball
    files: tuple[str, ...]  # paths inside the tarball's package/ folder
    into: str  # folder under _static/live/

    @property
    def tarball(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


PYODIDE = NpmTarball(
    "pyodide",
    "0.29.3",
    "sha512-22UBuhOJawj7vKUnS7/F3xK+515LJdjiMAHoCfuS6/PbHiOrSQVnYwDe+2sbVwiOZ3sMMexdXICew6NqOMQGgA==",
    (
        "pyodide.mjs",
        "pyodide.asm.js",
        "pyodide.asm.wasm",
        "python_stdlib.zip",
        "pyodide-lock.json",
    ),
    "pyodide",
)
VIZ = NpmTarball(
    "@viz-js/viz",
    "3.31.0",
    "sha512-r7zlQdRvcwvIpjHGgs+KNWHeE/P5/Dq7k8ZAKaMCbZqomxCBJV78gVuQYaHzFVca+kB0mX0fMW9UFevCOBG50A==",
    ("dist/viz-global.js",),
    "viz",
)
RUNTIME = (PYODIDE, VIZ)


def fetch(package: NpmTarball, cache: Path) -> Path:
    """The package's tarball in ``cache``, downloaded with ``npm pack`` when missing and
    checked against its pinned checksum. Raises RuntimeError saying what went wrong."""
    path = cache / package.tarball
    if not path.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm not found")
        cache.mkdir(parents=True, exist_ok=True)
        spec = f"{package.name}@{package.version}"
        done = subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(cache), "--silent"],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0 or not path.is_file():
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"`npm pack {spec}` failed: {last}")
    algorithm, _, expected = package.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, path.read_bytes()).digest()).decode()
    if digest != expected:
        path.unlink()
        raise RuntimeError(f"{path.name} does not match its pinned checksum; removed it")
    return path


def unpack(package: NpmTarball, cache: Path) -> Path:
    """The files the site needs from the package, extracted once into ``cache``."""
    folder = cache / f"{package.tarball.removesuffix('.tgz')}"
    if all((folder / f).is_file() for f in package.files):
        return folder
    with tarfile.open(fetch(package, cache)) as tar:
        for name in package.files:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise RuntimeError(f"{package.tarball} has no {name}")
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    return folder


def write_wheel(folder: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """A pure-Python wheel of ``files`` (archive path -> content), byte-for-byte the same
    for the same files: fixed timestamps, sorted entries."""
    dist = f"{name.replace('-', '_')}-{version}"
    meta = {
        f"{dist}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        ).encode(),
        f"{dist}.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: spelled-out live.py\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    entries = {**files, **meta}
    record = "".join(
        f"{path},sha256="
        + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        + f",{len(data)}\n"
        for path, data in sorted(entries.items())
    )
    entries[f"{dist}.dist-info/RECORD"] = (record + f"{dist}.dist-info/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in sorted(entries.items()):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dist}-py3-none-any.whl"
    if not path.is_file() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())
    return path


def build_wheels(src: Path, packages: list[str], folder: Path) -> list[Path]:
    """Wheels of our packages (from src/), of the installed graphviz package, and of the
    kernel that runs cells in the browser."""
    wheels = []
    for package in packages:
        files = {
            str(p.relative_to(src)): p.read_bytes()
            for p in sorted((src / package).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".py", ".typed"}
        }
        wheels.append(write_wheel(folder, package, "0+book", files))
    graphviz = importlib.metadata.distribution("graphviz")
    files = {
        str(f): f.locate().read_bytes()
        for f in graphviz.files or []
        if f.parts[0] == "graphviz" and f.suffix == ".py"
    }
    wheels.append(write_wheel(folder, "graphviz", graphviz.version, files))
    kernel = {"live_kernel.py": (HERE / "live_kernel.py").read_bytes()}
    wheels.append(write_wheel(folder, "live-kernel", "0+book", kernel))
    return wheels


def short_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# --- Sphinx --------------------------------------------------------------------------------


def prepare_runtime(app: Sphinx) -> None:
    """Fetch (or find in the cache) the runtime and pack the wheels; turn live cells off,
    with one line saying why and how to get them, when that is not possible."""
    app.live_runtime = None  # type: ignore[attr-defined]
    if app.builder.format != "html" or not app.config.live_cells_pages:
        return
    root = Path(app.confdir)
    cache = root / app.config.live_cells_cache
    try:
        folders = {package.into: unpack(package, cache) for package in RUNTIME}
    except (RuntimeError, OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
        # Printed, not logged: -q hides information, and -W would fail on a warning.
        print(
            f"Live cells are off ({exc}): install Node.js with npm, then run `make html` "
            "again to make the micrograd chapters runnable in the browser.",
            file=sys.stderr,
        )
        return
    src = root / app.config.live_cells_src
    live_cells.BLOCKED.clear()
    live_cells.block_unavailable_modules(src, app.config.live_cells_packages)
    wheels = build_wheels(src, app.config.live_cells_packages, cache / "wheels")
    app.live_runtime = {"folders": folders, "wheels": wheels}  # type: ignore[attr-defined]


def is_live_page(app: Sphinx, docname: str) -> bool:
    return getattr(app, "live_runtime", None) is not None and any(
        fnmatch.fnmatch(docname, pattern) for pattern in app.config.live_cells_pages
    )


def page_plan(app: Sphinx, docname: str) -> list[tuple[int, live_cells.Plan, list[str]]]:
    """(notebook cell index, plan, tags) for each code cell of the page, in page order."""
    from myst_nb.core.read import read_myst_markdown_notebook

    text = Path(app.env.doc2path(docname)).read_text(encoding="utf-8")
    notebook = read_myst_markdown_notebook(text)
    code = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    plans = live_cells.plan_page([c.source for _, c in code])
    return [
        (i, plan, list(c.metadata.get("tags", [])))
        for (i, c), plan in zip(code, plans, strict=True)
    ]


def pages_naming_an_old_worker(app: Sphinx, env, added, changed, removed) -> list[str]:
    """The live pages, when live-worker.js changed since the last build: each page names
    the worker with a hash of its content, so those pages must be written again."""
    if getattr(app, "live_runtime", None) is None:
        return []
    stamp = short_hash(WORKER)
    old = getattr(env, "live_worker_hash", None)
    env.live_worker_hash = stamp
    if old == stamp:
        return []
    return [d for d in env.found_docs if is_live_page(app, d) and d not in changed]


def mark_cells(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Class each rendered code cell ``live-cell-<index>`` so live.js can find it."""
    if not is_live_page(app, docname):
        return
    for node in doctree.findall(nodes.container):
        if node.get("nb_element") == "cell_code":
            node["classes"].append(f"live-cell-{node['cell_index']}")


def add_plan_to_page(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    if doctree is None or not is_live_page(app, pagename):
        return
    runtime = app.live_runtime  # type: ignore[attr-defined]
    plan = {
        "wheels": [f"{w.name}?v={short_hash(w)}" for w in runtime["wheels"]],
        "pyodide": PYODIDE.version,
        # The worker's address changes with its content, so no browser runs an old one.
        "worker": f"live-worker.js?v={short_hash(WORKER)}",
        "cells": [
            {
                "index": index,
                "name": f"cell {number}",
                "source": p.source,
                "live": p.live,
                "reason": p.reason,
                "prelude": p.prelude,
                "tags": tags,
            }
            for number, (index, p, tags) in enumerate(page_plan(app, pagename), start=1)
        ],
    }
    # "</" cannot end the script element early once escaped this way.
    data = json.dumps(plan).replace("</", "<\\/")
    context["body"] += f'<script type="application/json" id="live-plan">{data}</script>\n'
    app.add_css_file("live.css")
    app.add_js_file("live.js", loading_method="defer")


def copy_runtime(app: Sphinx, exception: Exception | None) -> None:
    """Copy the runtime and the wheels into _static/live/ (only files that changed)."""
    runtime = getattr(app, "live_runtime", None)
    if exception is not None or runtime is None:
        return
    target = Path(app.outdir) / "_static" / "live"
    copies = [
        (folder / name, target / into / Path(name).name)
        for package in RUNTIME
        for into, folder in [(package.into, runtime["folders"][package.into])]
        for name in package.files
    ]
    copies += [(wheel, target / "wheels" / wheel.name) for wheel in runtime["wheels"]]
    for source, dest in copies:
        if dest.is_file() and dest.stat().st_size == source.stat().st_size:
            if dest.read_bytes() == source.read_bytes():
                continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)


def setup(app: Sphinx) -> dict:
    app.add_config_value("live_cells_pages", [], "html", list)
    app.add_config_value("live_cells_packages", ["micrograd"], "html", list)
    app.add_config_value("live_cells_src", "src", "html", str)
    app.add_config_value("live_cells_cache", ".cache/live", "html", str)
    app.connect("builder-inited", prepare_runtime)
    app.connect("env-get-outdated", pages_naming_an_old_worker)
    app.connect("doctree-resolved", mark_cells)
    app.connect("html-page-context", add_plan_to_page)
    app.connect("build-finished", copy_runtime)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
