"""Checks of the built HTML: pages, navigation, figures, errors, links and downloads.

Each check reads what the sources promise (the landing page's toctrees, the chapters'
cells and ``{glue:figure}`` blocks) and looks for it in ``_build/html``.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from .sources import (
    HTML,
    ROOT,
    all_docnames,
    chapters,
    read_chapter,
    soup,
    toctrees,
)

CHAPTERS = [c.docname for c in chapters()]
ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)


def page(docname: str):
    path = HTML / f"{docname}.html"
    assert path.is_file(), f"{docname}.md was not built: {path.relative_to(ROOT)} is missing"
    return soup(path)


def test_landing_page_has_a_part_per_toctree():
    captions = [tree.caption for tree in toctrees()]
    assert "micrograd" in captions and "makemore" in captions, captions
    nav = page("docs/index").select_one("nav.bd-docs-nav")
    assert nav is not None, "the landing page has no navigation sidebar"
    shown = [c.get_text(strip=True) for c in nav.select("p.caption, .caption-text")]
    for caption in captions:
        assert caption in shown, f"part {caption!r} is missing from the sidebar: {shown}"


@pytest.mark.parametrize("docname", all_docnames())
def test_page_exists_and_is_in_the_navigation(docname):
    html = page(docname)
    nav = page("docs/index").select_one("nav.bd-docs-nav")
    targets = {
        (HTML / "docs" / a["href"]).resolve().relative_to(HTML).as_posix()
        for a in nav.select("a[href]")
        if not urlsplit(a["href"]).scheme
    }
    targets.add("docs/index.html")  # the landing page is the sidebar's home link
    assert f"{docname}.html" in targets, f"{docname} is not in the landing page's sidebar"
    assert html.select_one("article h1"), f"{docname}.html has no title"


def test_next_links_walk_the_whole_book_in_order():
    """From the landing page, "next" leads through every page in toctree order: no dead end."""
    expected = all_docnames()
    visited = [expected[0]]
    while True:
        here = HTML / f"{visited[-1]}.html"
        link = soup(here).select_one("a.right-next")
        if link is None:
            break
        nxt = (here.parent / link["href"]).resolve().relative_to(HTML).with_suffix("")
        visited.append(nxt.as_posix())
        assert len(visited) <= len(expected), f"the next links loop: {visited}"
    assert visited == expected


@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_glued_figure_is_in_the_page_with_a_caption(docname):
    chapter = read_chapter(docname)
    html = page(docname)
    figures = html.select("article figure")
    for figure in chapter.figures:
        where = chapter.where(figure.line)
        assert figure.name, f"{where}: give {{glue:figure}} {figure.key} a :name: to refer to it"
        assert figure.caption.strip(), f"{where}: {{glue:figure}} {figure.key} has no caption"
        found = html.find(id=figure.name)
        assert found is not None, f"{where}: figure {figure.name!r} is not in {docname}.html"
        node = found if found.name == "figure" else found.find_parent("figure") or found
        assert node.select("img, svg"), f"{where}: figure {figure.name!r} shows no image"
        assert node.select_one("figcaption"), f"{where}: figure {figure.name!r} lost its caption"
    assert len(figures) >= len(chapter.figures)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_cells_match_the_source_and_graphs_are_drawn(docname):
    chapter = read_chapter(docname)
    cells = page(docname).select("article div.cell")
    assert len(cells) == len(chapter.cells), (
        f"{docname}: {len(chapter.cells)} code cells in the source, {len(cells)} in the page"
    )
    for source, html in zip(chapter.cells, cells, strict=True):
        if source.displays_graph and "remove-output" not in source.tags:
            images = html.select("div.cell_output img, div.cell_output svg")
            assert images, f"{chapter.where(source.line)}: draw_dot(...) shows no graph"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_errors_appear_only_where_the_prose_expects_them(docname):
    chapter = read_chapter(docname)
    cells = page(docname).select("article div.cell")
    for source, html in zip(chapter.cells, cells, strict=True):
        where = chapter.where(source.line)
        errors = html.select("div.output.traceback, div.output.error")
        errors += [e for e in html.select("div.output.stderr") if ERROR_TEXT.search(e.get_text())]
        if "raises-exception" in source.tags:
            assert errors, f"{where}: tagged raises-exception, but the cell shows no error"
        else:
            shown = errors[0].get_text()[-300:] if errors else ""
            assert not errors, f"{where}: unexpected error output:\n{shown}"


@pytest.mark.parametrize("docname", all_docnames())
def test_no_build_problems_are_shown(docname):
    html = page(docname)
    problems = html.select(".system-message, .problematic, .nb-glue-error")
    assert not problems, f"{docname}: {[p.get_text()[:200] for p in problems]}"


def local_target(href: str) -> tuple[str, str] | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("#", "javascript:")) or not href:
        return None
    return unquote(parts.path), parts.fragment


def ids(path: Path) -> set[str]:
    html = soup(path)
    return {tag["id"] for tag in html.find_all(id=True)} | {
        tag["name"] for tag in html.find_all("a", attrs={"name": True})
    }


def built_pages() -> list[Path]:
    """Every page Sphinx wrote (not the theme's template fragments in _static)."""
    return sorted(p for p in HTML.rglob("*.html") if p.relative_to(HTML).parts[0] != "_static")


def test_internal_links_and_resources_resolve():
    broken = []
    pages = built_pages()
    for path in pages:
        html = soup(path)
        for tag in html.find_all(["a", "img", "link", "script", "source"]):
            ref = tag.get("href") or tag.get("src")
            target = local_target(ref) if ref else None
            if target is None:
                if ref and ref.startswith("#") and len(ref) > 1 and ref[1:] not in ids(path):
                    broken.append(f"{path.relative_to(HTML)}: {ref}")
                continue
            file, fragment = target
            resolved = (path.parent / file).resolve() if file else path
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.is_file():
                broken.append(f"{path.relative_to(HTML)}: {ref}")
            elif fragment and resolved.suffix == ".html" and fragment not in ids(resolved):
                broken.append(f"{path.relative_to(HTML)}: {ref} (no such anchor)")
    assert len(pages) > len(all_docnames())
    assert not broken, "broken links:\n" + "\n".join(sorted(set(broken)))


def test_nothing_is_loaded_from_the_network():
    """The book works offline: scripts, styles and images (MathJax included) are local."""
    remote = []
    for path in built_pages():
        for tag in soup(path).find_all(["script", "link", "img"]):
            ref = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
            if ref and urlsplit(ref).scheme in {"http", "https"} or (ref or "").startswith("//"):
                remote.append(f"{path.relative_to(HTML)}: <{tag.name}> {ref}")
    assert not remote, "\n".join(remote)
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file(), "MathJax is not bundled"


def test_site_root_leads_to_the_landing_page():
    root = soup(HTML / "index.html")
    refresh = root.find("meta", attrs={"http-equiv": "refresh"})
    assert refresh and refresh["content"].endswith("url=docs/index.html")


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_downloads_as_notebook_and_markdown(docname):
    here = HTML / f"{docname}.html"
    links = {
        a.get_text(strip=True): a["href"] for a in soup(here).select(".dropdown-download-buttons a")
    }
    assert {".ipynb", ".md"} <= links.keys(), f"{docname}: download menu offers {list(links)}"
    markdown = (here.parent / links[".md"]).resolve()
    assert markdown.read_text(encoding="utf-8") == (ROOT / f"{docname}.md").read_text(
        encoding="utf-8"
    )
    notebook_path = (here.parent / links[".ipynb"]).resolve()
    notebook = nbformat.read(notebook_path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    # Every cell of the source is in the notebook (removed cells too), with its outputs.
    source_cells = len(re.findall(r"^`{3,}\{code-cell\}", markdown.read_text(), re.M))
    assert len(code) == source_cells
    executed = [c for c in code if c.get("execution_count")]
    assert len(executed) == len(code), f"{docname}.ipynb holds cells that were never run"
    json.dumps(notebook)  # plain JSON all the way down


def public_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        for path in (ROOT / "src").glob("*/*.py")
        if not path.stem.startswith("_")
    )


def test_api_reference_documents_every_module():
    api = ids(HTML / "docs" / "api.html")
    for module in public_modules():
        assert f"module-{module}" in api, f"{module} is missing from the API reference"
        tree = ast.parse((ROOT / "src" / Path(*module.split("."))).with_suffix(".py").read_text())
        for node in tree.body:
            public = not getattr(node, "name", "_").startswith("_")
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and public:
                assert f"{module}.{node.name}" in api, f"{module}.{node.name} is not documented"


def api_objects() -> dict[str, str]:
    """How prose names each documented class, function and method -> its anchor in api.html.

    ``micrograd.engine.Value.backward`` is written ``Value.backward``, ``Value.backward()``
    or ``backward()``; a function or class by its name, with or without ``()``. Spellings
    that two objects share are left out: a mention of them is ambiguous.
    """
    html = soup(HTML / "docs" / "api.html")
    spellings: dict[str, set[str]] = {}
    for dt in html.select("dl.py > dt[id]"):
        anchor = dt["id"]
        kind = dt.parent.get("class", [])
        section = dt.find_parent("section")
        module = next(
            (i.removeprefix("module-") for i in section_ids(section) if i.startswith("module-")),
            "",
        )
        if not module or any(part.startswith("_") for part in anchor.split(".")):
            continue
        short = anchor.removeprefix(module + ".")
        forms = {short, short + "()"}
        if "method" in kind:
            forms.add(anchor.rsplit(".", 1)[-1] + "()")
        for form in forms:
            spellings.setdefault(form, set()).add(anchor)
    return {name: anchors.pop() for name, anchors in spellings.items() if len(anchors) == 1}


def section_ids(section) -> list[str]:
    if section is None:
        return []
    return [section.get("id", "")] + [tag["id"] for tag in section.find_all(id=True)]


@pytest.mark.parametrize("docname", CHAPTERS)
def test_first_prose_mention_of_each_api_object_links_to_it(docname):
    """In every chapter, the first mention of a package object in the prose links to the
    API reference (docs/_ext/apilinks.py does it; an author's role counts too)."""
    objects = api_objects()
    seen: set[str] = set()
    unlinked = []
    article = page(docname).select_one("article")
    for tag in article.find_all(["a", "code"]):
        if tag.find_parent("div", class_="cell") or tag.find_parent(["pre", *HEADINGS]):
            continue  # code cells are sphinx-codeautolink's; headings are left alone
        if tag.name == "a":
            anchor = urlsplit(tag.get("href", "")).fragment
            if "api.html" in tag.get("href", "") and anchor in objects.values():
                seen.add(anchor)
            continue
        if tag.find_parent("a"):
            continue
        anchor = objects.get(tag.get_text(strip=True))
        if anchor and anchor not in seen:
            unlinked.append(f"`{tag.get_text(strip=True)}` -> {anchor}")
            seen.add(anchor)
    assert not unlinked, f"{docname}: first mentions that do not link:\n" + "\n".join(unlinked)


HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


@pytest.mark.parametrize("docname", CHAPTERS)
def test_exercises_have_worked_solutions_folded_away(docname):
    chapter = read_chapter(docname)
    if not chapter.cells:
        pytest.skip(f"{docname} has no code yet")
    html = page(docname)
    exercises = html.select_one("article section#exercises")
    assert exercises is not None, f"{docname}: no '## Exercises' section"
    solutions = exercises.select("div.cell.tag_hide-cell")
    assert solutions, f"{docname}: the exercises have no worked solution tagged hide-cell"
    for cell in html.select("article div.cell.tag_hide-cell"):
        folded = cell.find("details")
        assert folded is not None and not folded.has_attr("open"), (
            f"{docname}: a hide-cell cell is not folded"
        )
        assert cell.select("div.cell_input"), f"{docname}: a folded solution lost its code"
