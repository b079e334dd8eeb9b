"""Sphinx configuration: the repository root is the source directory."""

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # for tools/: the tangler and the chapter reader
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
    "autolinkcache",  # docs/_ext/autolinkcache.py: codeautolink's answers kept between builds
    "sphinxcontrib.bibtex",  # {cite:p}`key` in the chapters, docs/references.bib
    "downloads",  # docs/_ext/downloads.py: each chapter as an executed .ipynb
    "apimodules",  # docs/_ext/apimodules.py: the API reference lists every tangled module
    "apilinks",  # docs/_ext/apilinks.py: first mention of an API object in a page links to it
    "chapterinputs",  # docs/_ext/chapterinputs.py: re-execute the chapters whose inputs changed
    "bookchecks",  # docs/_ext/bookchecks.py: src/ matches the chapters, no orphans, no huge outputs
    "live",  # docs/_ext/live.py: micrograd's cells run in the reader's browser
]

# --- notebooks ---------------------------------------------------------------------------
# Locally, unchanged chapters come from the cache; CI executes every cell every time. A
# chapter whose imported src/ modules or data files changed is executed again (chapterinputs).
nb_execution_mode = "force" if os.environ.get("CI") else "cache"
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache")


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


def _module_file(app, modname):
    """The file viewcode compares with its page, so an unchanged module's page is not
    written again on every build (with the hook above, viewcode cannot tell otherwise)."""
    base = ROOT / "src" / Path(*modname.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def setup(app):
    import sphinx.ext.viewcode

    app.connect("viewcode-find-source", _source_without_import)
    sphinx.ext.viewcode.get_module_filename = _module_file


nb_execution_raise_on_error = True
nb_execution_timeout = 600
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
numfig = True  # "Fig. 2" in captions, and {numref}`fig-name` in the prose

# Two engines define `Value` (micrograd.engine, the teaching one, and micrograd.fast): a
# bare `Value` in a type hint finds both, and Sphinx links the first.
suppress_warnings = ["ref.python"]

# --- citations ---------------------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]
bibtex_reference_style = "label"  # [KN95]: unique even for two works of one author and year
bibtex_default_style = "alpha"

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
    "home_page_in_toc": False,  # the sidebar's title already leads home
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
