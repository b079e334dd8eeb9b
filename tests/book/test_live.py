"""Live cells in a real browser: a micrograd chapter's cells edited and run in the page.

Headless Chromium opens a chapter served on 127.0.0.1, runs a cell that builds a graph and
the cell that draws it, edits ``Value(2.0)`` to ``Value(5.0)``, runs both again, and checks
the printed result (against the same cells run by CPython through the same kernel) and that
the graph was redrawn with the new data. It checks the one-line error of a cell that raises,
the "runs in the downloaded notebook" mark on cells that need torch, the one-line notice
over ``file://``, both themes, and that no request left 127.0.0.1. Screenshots of the cells
before and after the edit go to ``_build/screenshots/``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup

from . import chromium
from .chromium import CHROMEDRIVER, CHROMIUM
from .sources import HTML, ROOT, toctrees
from .test_browser import SHOTS, load, server  # noqa: F401

PYTHON_START = 300  # seconds: Pyodide starts in ~2 s, but the test machine may be busy


def live_pages() -> dict[str, dict]:
    """docname -> the live-cell plan the build wrote into the page, for micrograd chapters."""
    plans = {}
    for tree in toctrees():
        for docname in tree.docnames:
            if not docname.startswith("literate/micrograd/"):
                continue
            soup = BeautifulSoup((HTML / f"{docname}.html").read_text("utf-8"), "html.parser")
            data = soup.find("script", id="live-plan")
            if data is not None:
                plan = json.loads(data.string)
                shown = {
                    int(c.split("-")[-1])
                    for div in soup.select("div.cell")
                    if div.select_one("div.cell_input")
                    for c in div["class"]
                    if c.startswith("live-cell-")
                }
                for cell in plan["cells"]:
                    cell["shown"] = cell["index"] in shown
                plans[docname] = plan
    return plans


def draws_a_graph(source: str) -> bool:
    """The cell's last statement is a ``draw_dot(...)`` call, whose value the page draws."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    last = body[-1] if body else None
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and getattr(last.value.func, "id", None) == "draw_dot"
    )


def makes_value_two(source: str) -> bool:
    """The cell's code (not a docstring) calls ``Value(2.0, ...)``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Value"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == 2.0
        for node in ast.walk(tree)
    )


def book_graph(docname: str, index: int) -> str:
    """The SVG the book drew (with Graphviz at build time) for the page's cell ``index``."""
    html = HTML / f"{docname}.html"
    soup = BeautifulSoup(html.read_text("utf-8"), "html.parser")
    image = soup.select_one(f"div.cell.live-cell-{index} div.cell_output img[src$='.svg']")
    return (html.parent / image["src"]).read_text("utf-8") if image else ""


def edit_target() -> tuple[str, int, int]:
    """(page, i, j): cell i makes ``Value(2.0)`` and cell j (at or after it) draws a graph
    that, in the book, shows a leaf of data 2.0; both live and shown. The first such pair
    of the micrograd chapters."""
    for docname, plan in live_pages().items():
        cells = plan["cells"]
        for j, cell in enumerate(cells):
            if not (cell["live"] and cell["shown"] and draws_a_graph(cell["source"])):
                continue
            if "data 2.0000" not in book_graph(docname, cell["index"]):
                continue
            for i in range(j, -1, -1):
                c = cells[i]
                if c["live"] and c["shown"] and makes_value_two(c["source"]):
                    return docname, i, j
    pytest.fail("no micrograd chapter has a live cell making Value(2.0) before a graph of it")


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    found = live_pages()
    if not found:
        pytest.skip("the book was built without live cells (npm was missing: see `make html`)")
    return found


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Chromium is not installed: run `make chromium` (as root) first")
    pytest.importorskip("selenium.webdriver")
    # Every request the page makes is logged (Network.* events), to check where they went.
    driver = chromium.start({"performance": "ALL", "browser": "ALL"})
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(PYTHON_START)
    driver.requested = []  # URLs, collected by `requests`
    yield driver
    driver.quit()


def requests(driver) -> list[str]:
    """The URLs requested since the browser started: by the pages (from the browser's log)
    and by the current page's Python worker, whose requests that log does not show (from
    the worker's own resource timeline)."""
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            driver.requested.append(message["params"]["request"]["url"])
    in_worker = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "spelledOutLive.workerResources().then(r => done(r.map(e => e.name)));"
    )
    return driver.requested + in_worker


def run_cell(driver, index: int) -> dict:
    """Click the Run control of the page's cell ``index`` (0-based, page order), wait for it
    to finish and return what its bar and live output show."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script(
        "spelledOutLive.cells[arguments[0]].bar.dataset.state = 'clicked';", index
    )
    driver.execute_script(
        "spelledOutLive.cells[arguments[0]].bar.querySelector('.live-run').click();", index
    )
    WebDriverWait(driver, PYTHON_START).until(
        lambda d: (
            d.execute_script("return spelledOutLive.cells[arguments[0]].bar.dataset.state;", index)
            in {"done", "error", "failed"}
        )
    )
    return driver.execute_script(
        """const cell = spelledOutLive.cells[arguments[0]];
        const out = cell.output;
        return {
          state: cell.bar.dataset.state,
          status: cell.bar.querySelector('.live-status').textContent,
          text: out ? [...out.querySelectorAll('div.output pre')].map(p => p.textContent) : [],
          svg: out && out.querySelector('svg') ? out.querySelector('svg').outerHTML : '',
          svgText: out && out.querySelector('svg') ? out.querySelector('svg').textContent : '',
          error: out && out.querySelector('.live-error-line')
            ? out.querySelector('.live-error-line').textContent : '',
        };""",
        index,
    )


def edit_cell(driver, index: int, old: str, new: str) -> None:
    driver.execute_script(
        """const editor = spelledOutLive.cells[arguments[0]].editor;
        editor.value = editor.value.replaceAll(arguments[1], arguments[2]);
        editor.dispatchEvent(new Event('input'));""",
        index,
        old,
        new,
    )


def cpython_outputs(cells: list[dict], upto: int, source: str) -> list[str]:
    """What the kernel prints for ``source`` as cell ``upto`` under CPython, after the page's
    earlier cells (or the imports they lend), with the browser's stand-ins for notebook
    helpers: the browser must print the same."""
    program = (
        "import json, sys\n"
        "sys.modules['myst_nb'] = sys.modules['IPython'] = None  # use the stand-ins\n"
        "import live_kernel\n"
        "cells, upto, source = json.load(sys.stdin)\n"
        "page = live_kernel.Page()\n"
        "for c in cells[:upto]:\n"
        "    page.run(c['source'] if c['live'] else c['prelude'], c['name'])\n"
        "print(page.run(source, cells[upto]['name']))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "docs" / "_ext")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", program],
        input=json.dumps([cells, upto, source]),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["error"] is None, result["error"]
    return [o["text"] for o in result["outputs"] if o["type"] != "dot"]


def cell_shot(driver, index: int, name: str) -> Path:
    element = driver.execute_script("return spelledOutLive.cells[arguments[0]].element;", index)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    element.screenshot(str(path))
    return path


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_edit_a_cell_and_see_the_graph_redrawn(browser, server, plans, mode):  # noqa: F811
    docname, i, j = edit_target()
    cells = plans[docname]["cells"]
    load(browser, f"{server}/{docname}.html", mode)

    built = run_cell(browser, i)
    assert built["state"] == "done", built
    drawn = run_cell(browser, j)
    assert drawn["state"] == "done", drawn
    assert "data 2.0000" in drawn["svgText"], "the graph does not show the leaf Value(2.0)"
    assert built["text"] == cpython_outputs(cells, i, cells[i]["source"])
    cell_shot(browser, i, f"live-{mode}-cell-before-edit")
    cell_shot(browser, j, f"live-{mode}-graph-before-edit")

    edit_cell(browser, i, "Value(2.0", "Value(5.0")
    edited = browser.execute_script("return spelledOutLive.cells[arguments[0]].editor.value;", i)
    rebuilt = run_cell(browser, i)
    redrawn = run_cell(browser, j)
    assert rebuilt["state"] == redrawn["state"] == "done", (rebuilt, redrawn)
    assert rebuilt["text"] == cpython_outputs(cells, i, edited)
    assert rebuilt["text"] != built["text"]
    assert redrawn["svg"] != drawn["svg"]
    assert "data 5.0000" in redrawn["svgText"] and "data 2.0000" not in redrawn["svgText"]
    cell_shot(browser, i, f"live-{mode}-cell-after-edit")
    cell_shot(browser, j, f"live-{mode}-graph-after-edit")

    # The live output wears the book's output style in this theme: same text colour and
    # background as the chapter's own (executed) outputs.
    styles = browser.execute_script(
        """const style = (e) => { const s = getComputedStyle(e);
             return [s.color, s.backgroundColor, s.fontFamily]; };
        const live = document.querySelector('div.live-output div.output pre');
        const book = document.querySelector('div.cell_output:not(.live-output) div.output pre');
        return [style(live), style(book)];""",
    )
    assert styles[0] == styles[1], styles

    # A cell that raises shows one line naming the error and the line, then the traceback.
    source = cells[j]["source"]
    line = source[: source.index("draw_dot(")].count("\n") + 1
    edit_cell(browser, j, "draw_dot(", "draw_dot(no_such_name, ")
    failed = run_cell(browser, j)
    assert failed["state"] == "error", failed
    assert failed["error"] == f"NameError: name 'no_such_name' is not defined (line {line})"

    # Reset brings back the book's code and outputs and a fresh namespace.
    browser.execute_script("spelledOutLive.reset();")
    restored = browser.execute_script(
        "return [document.querySelectorAll('textarea.live-editor, div.live-output').length,"
        " document.querySelectorAll('div.cell_output[hidden]').length];"
    )
    assert restored == [0, 0], restored
    again = run_cell(browser, j)  # runs the cells above first, from the restored sources
    assert again["state"] == "done" and "data 2.0000" in again["svgText"], again

    outside = [url for url in requests(browser) if urlparse(url).scheme in {"http", "https"}]
    outside = [url for url in outside if urlparse(url).hostname != "127.0.0.1"]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    live = [url for url in requests(browser) if "/_static/live/" in url]
    assert any(url.endswith("pyodide.asm.wasm") for url in live), live


def test_a_cell_that_raises_shows_the_error_the_book_shows(browser, server, plans):  # noqa: F811
    """A cell tagged raises-exception: its one-line error is the last line of the
    traceback in the book's own output (computed by Jupyter at build time)."""
    tagged = [
        (docname, k)
        for docname, plan in plans.items()
        for k, cell in enumerate(plan["cells"])
        if cell["live"] and cell["shown"] and "raises-exception" in cell["tags"]
    ]
    if not tagged:
        pytest.skip("no live cell tagged raises-exception in the micrograd chapters")
    docname, k = tagged[0]
    load(browser, f"{server}/{docname}.html", "light")
    book = browser.execute_script(
        "return spelledOutLive.cells[arguments[0]].element"
        ".querySelector('div.cell_output').textContent.trim().split('\\n').pop();",
        k,
    )
    result = run_cell(browser, k)
    assert result["state"] == "error", result
    assert result["error"].startswith(book.strip()), (result["error"], book)
    assert "Traceback" in browser.execute_script(
        "return spelledOutLive.cells[arguments[0]].output.textContent;", k
    )


def test_cells_that_need_torch_point_to_the_notebook(browser, server, plans):  # noqa: F811
    pages = [
        (
            docname,
            [k for k, c in enumerate(plan["cells"]) if c["shown"] and c["reason"] == "needs torch"],
        )
        for docname, plan in plans.items()
    ]
    pages = [(docname, torch) for docname, torch in pages if torch]
    assert pages, "no micrograd chapter has a shown cell that needs torch"
    docname, torch = pages[0]
    plan = plans[docname]
    load(browser, f"{server}/{docname}.html", "light")
    for k in torch:
        bar = browser.execute_script(
            "const bar = spelledOutLive.cells[arguments[0]].bar;"
            "const a = bar.querySelector('a.live-offline');"
            "return [a.textContent, a.getAttribute('href'), bar.textContent,"
            "        bar.querySelectorAll('.live-run').length];",
            k,
        )
        text, href, whole, run_buttons = bar
        assert text == "runs in the downloaded notebook", bar
        assert href.endswith(".ipynb") and "needs torch" in whole and run_buttons == 0, bar
    shown = [k for k, c in enumerate(plan["cells"]) if c["shown"]]
    bars = browser.execute_script(
        "return spelledOutLive.cells.filter(c => c.bar).map(c => c.plan.index);"
    )
    assert len(bars) == len(shown), "every shown cell has a Run control or a notebook mark"


def test_over_file_the_run_control_explains_itself(browser, plans):
    docname = next(iter(plans))
    k = next(i for i, c in enumerate(plans[docname]["cells"]) if c["live"] and c["shown"])
    browser.get((HTML / f"{docname}.html").as_uri())
    browser.execute_script(
        "spelledOutLive.cells[arguments[0]].bar.querySelector('.live-run').click();", k
    )
    status = browser.execute_script(
        "return spelledOutLive.cells[arguments[0]].bar.querySelector('.live-status').textContent;",
        k,
    )
    assert "make serve" in status and "\n" not in status, status


def test_python_starts_before_the_first_run_and_a_long_cell_can_be_stopped(
    browser,
    server,  # noqa: F811
    plans,
):
    """Python starts in the background once the page is idle (no click), in a worker: a
    cell that never ends leaves the page answering, and Stop ends it; the next Run starts
    Python again (from the memory snapshot kept by the first start) and runs the page's
    cells from the top."""
    from selenium.webdriver.support.ui import WebDriverWait

    docname, k, _ = edit_target()
    load(browser, f"{server}/{docname}.html", "light")
    WebDriverWait(browser, PYTHON_START).until(
        lambda d: d.execute_script("return 'readyAt' in spelledOutLive.timings;")
    )
    assert browser.execute_script("return spelledOutLive.timings.preloaded;") is True
    assert browser.execute_script("return spelledOutLive.cells.every(c => !c.ran);")
    first = run_cell(browser, k)
    assert first["state"] == "done", first

    edit_cell(browser, k, "Value(2.0", "forever(); Value(2.0")
    browser.execute_script(
        """const editor = spelledOutLive.cells[arguments[0]].editor;
        editor.value = 'def forever():\\n    while True:\\n        pass\\n' + editor.value;
        spelledOutLive.cells[arguments[0]].bar.querySelector('.live-run').click();""",
        k,
    )
    WebDriverWait(browser, 10).until(
        lambda d: (
            d.execute_script("return spelledOutLive.cells[arguments[0]].bar.dataset.state;", k)
            == "running"
        )
    )
    # The page still answers (a script in it runs) while Python loops, and the control
    # that started the cell now stops it.
    button = browser.execute_script(
        "return spelledOutLive.cells[arguments[0]].bar.querySelector('.live-run');", k
    )
    assert button.text == "Stop"
    button.click()
    WebDriverWait(browser, 10).until(
        lambda d: (
            d.execute_script("return spelledOutLive.cells[arguments[0]].bar.dataset.state;", k)
            != "running"
        )
    )
    stopped = browser.execute_script(
        "const bar = spelledOutLive.cells[arguments[0]].bar;"
        "return [bar.dataset.state, bar.querySelector('.live-status').textContent,"
        "        bar.querySelector('.live-run').textContent];",
        k,
    )
    assert stopped[0] == "stopped" and stopped[1].startswith("Stopped") and stopped[2] == "Run"

    edit_cell(browser, k, "forever(); ", "")
    again = run_cell(browser, k)
    assert again["state"] == "done" and again["text"] == first["text"], (again, first)
    # The second start in this browser began from the memory snapshot the first one kept.
    assert browser.execute_script("return spelledOutLive.timings.snapshot;") == "used"
