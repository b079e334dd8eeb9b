"""Sphinx configuration: the repository root is the source directory."""

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # for tools.tangle, our Sphinx extension
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # the book's own small extensions

project = "spelled-out"
author = "the spelled-out authors"
copyright = "2026, the spelled-out authors"

root_doc = "docs/index"
include_patterns = ["docs/**", "literate/**"]
# Sphinx walks the whole source directory before applying include_patterns; excluding the
# big folders here prunes the walk (2 s of every rebuild went into listing .venv).
exclude_patterns = [
    ".venv",
    "_build",
    ".git",
    "src",
    "tests",
    "data",
    "bench",
    "tools",
    "**/.ipynb_checkpoints",
    "docs/_static",
    "docs/_root",
    "docs/_ext",
    ".cache",
]

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_togglebutton",
    "sphinx_design",
    "sphinx_codeautolink",
    "tools.tangle",
    "downloads",  # docs/_ext/downloads.py: each chapter as an executed .ipynb
    "apimodules",  # docs/_ext/apimodules.py: the API reference lists every tangled module
    "apilinks",  # docs/_ext/apilinks.py: first mention of an API object in a page links to it
    "live",  # docs/_ext/live.py: micrograd's cells run in the reader's browser
]

# --- notebooks ---------------------------------------------------------------------------
# Locally, unchanged chapters come from the cache; CI executes every cell every time.
nb_execution_mode = "force" if os.environ.get("CI") else "cache"
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache")


def _forget_outputs_when_packages_change() -> bool:
    """Empty the execution cache when src/ or data/ changed since the last build.

    myst-nb keys a chapter's cached outputs on its own code cells only, but chapters import
    the tangled packages and read data/: a change there (say, chapter 3 fixing Value.__add__)
    must re-run the chapters that use them. Prose-only edits leave the cache alone.
    """
    import hashlib
    import shutil

    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("src/**/*.py"), *ROOT.glob("data/*")]):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    cache = Path(nb_execution_cache_path)
    stamp = cache / "inputs.sha256"
    changed = cache.exists() and (not stamp.exists() or stamp.read_text() != digest.hexdigest())
    if changed:
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest.hexdigest())
    return changed


_packages_changed = nb_execution_mode == "cache" and _forget_outputs_when_packages_change()


def _chapters_to_rerun(app, env, added, changed, removed):
    """After a change to src/ or data/, every page is read again.

    Chapters execute the packages; the API page lists the modules that exist, so it goes stale
    too when a chapter tangles a new one.
    """
    return list(env.found_docs) if _packages_changed else []


def _source_without_import(app, modname):
    """Give viewcode our modules' source read from src/, so a rebuild does not import torch.

    Left alone, viewcode imports every documented module on every build to find its file;
    importing makemore (and with it torch) was a third of a prose-only rebuild.
    """
    from sphinx.pycode import ModuleAnalyzer

    base = ROOT / "src" / Path(*modname.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            analyzer = ModuleAnalyzer.for_file(path, modname)
            analyzer.find_tags()
            return analyzer.code, analyzer.tags
    return None


def setup(app):
    app.connect("env-get-outdated", _chapters_to_rerun)
    app.connect("viewcode-find-source", _source_without_import)


nb_execution_raise_on_error = True
nb_execution_timeout = 600
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
numfig = True  # "Fig. 2" in captions, and {numref}`fig-name` in the prose

# --- live cells (docs/_ext/live.py) ------------------------------------------------------
# Pages whose cells a reader can edit and run in the browser (Pyodide; pure Python only).
live_cells_pages = ["literate/micrograd/*"]
live_cells_packages = ["micrograd"]  # shipped to the browser as a wheel built from src/

# --- API reference -----------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "special-members": False}
codeautolink_concat_default = True
# Third-party classes in signatures have no inventory to link to (the build is offline).
nitpick_ignore_regex = [
    ("py:class", r"(pathlib|os|io|typing|collections\.abc)\.\w+|Path"),
    ("py:class", r"(graphviz|torch|numpy|np|collections\.abc)\..*|Digraph|Tensor"),
]

# --- HTML ----------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "spelled-out"
html_static_path = ["docs/_static"]
html_css_files = ["book.css"]
html_js_files = ["book.js"]
html_favicon = "docs/_static/favicon.svg"
html_extra_path = ["docs/_root"]  # _build/html/index.html: a redirect to docs/index.html
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_source_button": False,
    "home_page_in_toc": True,
}
# Follow the reader's system setting until they pick a theme (an empty default makes the
# theme log a console error on a first visit).
html_context = {"default_mode": "auto"}
# MathJax is served from _static, so formulas render without a network. The files come from
# the sphinx-mathjax-offline package; we copy them as a static path rather than load it as
# an extension, because it does not declare itself safe for parallel builds (-j).
html_static_path.append(
    str(Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static")
)
mathjax_path = "mathjax/tex-chtml.js"
# Copy buttons on code, not on outputs; prompts (>>>, ..., $) are left out of the copy.
copybutton_selector = "div:not(.output) > div.highlight pre"
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_exclude = ".linenos, .gp, .go"
