"""The book in a real browser: headless Chromium opens every page of the book (the landing
page, each chapter, the reference pages), served over HTTP on 127.0.0.1, in the light and
the dark theme. It asserts no console errors, that figures are drawn at a non-zero size,
that the math is typeset and that search and the download links work, and saves
screenshots under ``_build/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import base64
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from . import chromium
from .chromium import CHROMEDRIVER, CHROMIUM
from .sources import HTML, ROOT, all_docnames, toctrees

SHOTS = ROOT / "_build" / "screenshots"
FIGURES = "article div.cell_output img, article div.cell_output svg, article figure img"


def first_chapter() -> str:
    return next(d for tree in toctrees() for d in tree.docnames if d.startswith("literate/"))


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: any free port
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            "Chromium is not installed: `make test` installs it when run as root; otherwise "
            "run `sudo apt-get install chromium chromium-driver`"
        )
    pytest.importorskip("selenium.webdriver")
    driver = chromium.start()
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def load(driver, url: str, mode: str) -> None:
    """Open ``url`` in the light or dark theme and wait until it and its math are ready."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": mode}]},
    )
    driver.get(url)
    driver.execute_script("localStorage.setItem('mode', arguments[0]);", mode)
    driver.get(url)
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    wait.until(lambda d: d.execute_script("return document.documentElement.dataset.theme") == mode)
    # MathJax typesets asynchronously: wait until every math element holds its rendering.
    wait.until(
        lambda d: d.execute_script(
            "const m = document.querySelectorAll('span.math, div.math');"
            "return [...m].every(e => e.querySelector('mjx-container'));"
        )
    )


def screenshot(driver, name: str) -> Path:
    """A full-page PNG, however long the page.

    The viewport is stretched to the page's height for the shot, so sticky sidebars are
    drawn as a reader sees them rather than cut at the first screen.
    """
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    width, height = 1280, int(size["height"])
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def severe_console_messages(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("docname", all_docnames())
def test_page_renders_cleanly(browser, server, docname, mode):
    browser.get_log("browser")  # forget messages from earlier pages
    load(browser, f"{server}/{docname}.html", mode)
    name = docname.replace("/", "-") + f"-{mode}"
    shot = screenshot(browser, name)
    assert shot.stat().st_size > 10_000, f"{shot} looks empty"

    # Open every folded cell (exercise solutions, hidden inputs) so their figures count too.
    browser.execute_script(
        "document.querySelectorAll('details').forEach(d => d.open = true);"
        "document.querySelectorAll('.toggle-hidden')"
        "  .forEach(e => e.classList.remove('toggle-hidden'));"
    )
    sizes = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => {"
        "  const r = e.getBoundingClientRect();"
        "  return [e.getAttribute('src') || e.tagName, r.width, r.height,"
        "          e.tagName === 'IMG' ? e.naturalWidth : 1];"
        "});",
        FIGURES,
    )
    for src, width, height, natural in sizes:
        assert width > 0 and height > 0, f"{docname}: figure {src} is drawn at {width}x{height}"
        assert natural > 0, f"{docname}: image {src} did not load"
    errors = severe_console_messages(browser)
    assert not errors, f"{docname} ({mode}): console errors:\n" + "\n".join(errors)


def test_site_root_redirects_to_the_landing_page(browser, server):
    browser.get(f"{server}/")
    assert browser.current_url.endswith("/docs/index.html")


def test_search_finds_a_chapter(browser, server):
    from selenium.webdriver.support.ui import WebDriverWait

    first = first_chapter()
    browser.get(f"{server}/search.html?q=derivative")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.querySelectorAll('ul.search li').length") > 0
    )
    hits = browser.execute_script(
        "return [...document.querySelectorAll('ul.search li a')].map(a => a.href)"
    )
    assert any(first in hit for hit in hits), hits


def test_download_links_resolve(browser, server):
    first = first_chapter()
    load(browser, f"{server}/{first}.html", "light")
    statuses = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const links = [...document.querySelectorAll('.dropdown-download-buttons a[href]')];"
        "Promise.all(links.map(a => fetch(a.href).then(r => [a.textContent.trim(), r.status])))"
        "  .then(done);"
    )
    assert dict(statuses) == {".ipynb": 200, ".md": 200}, statuses
    saved_as = browser.execute_script(
        "return [...document.querySelectorAll('.dropdown-download-buttons a[href]')]"
        "  .map(a => a.getAttribute('download'));"
    )
    leaf = first.rsplit("/", 1)[-1]
    assert sorted(saved_as) == [f"{leaf}.ipynb", f"{leaf}.md"], saved_as


def test_code_cells_have_copy_buttons_and_outputs_do_not(browser, server):
    load(browser, f"{server}/{first_chapter()}.html", "light")
    counts = browser.execute_script(
        "return [document.querySelectorAll('div.cell_input').length,"
        " document.querySelectorAll('div.cell_input button.copybtn').length,"
        " document.querySelectorAll('div.cell_output button.copybtn').length];"
    )
    inputs, input_buttons, output_buttons = counts
    assert inputs > 0 and input_buttons == inputs, counts
    assert output_buttons == 0, counts


def test_long_outputs_scroll_inside_a_box(browser, server):
    load(browser, f"{server}/{first_chapter()}.html", "light")
    styles = browser.execute_script(
        "return [...document.querySelectorAll('div.cell_output pre')].map(p => {"
        "  const s = getComputedStyle(p); return [s.maxHeight, s.overflowY]; });"
    )
    assert styles, "the first chapter shows no text output"
    for max_height, overflow in styles:
        assert max_height.endswith("px") and float(max_height[:-2]) < 600, styles
        assert overflow == "auto", styles


# --- Code that fits the page ---------------------------------------------------------------
# At 1280 px a code cell shows at least as many characters as ruff allows on a line, so no
# code cell of chapters 1-6 (of either part) scrolls sideways; on a 390 px phone no page
# scrolls sideways as a whole (code blocks may scroll inside their own box).

CODE_COLUMNS = 100  # [tool.ruff] line-length
WIDE_CELLS = (
    "return [...document.querySelectorAll('article div.cell_input pre')]"
    "  .filter(p => p.scrollWidth > p.clientWidth + 1)"
    "  .map(p => p.textContent.split('\\n').reduce((a, b) => a.length >= b.length ? a : b));"
)


def emulate(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def early_chapters() -> list[str]:
    """Chapters 1-6 of each part (04b counts: it sits between 4 and 5)."""
    return [
        d
        for tree in toctrees()
        for d in tree.docnames
        if d.startswith("literate/") and d.rsplit("/", 1)[-1][:2] <= "06"
    ]


def test_a_code_cell_holds_a_full_line_at_1280_px(browser, server):
    emulate(browser, 1280)
    try:
        load(browser, f"{server}/{first_chapter()}.html", "light")
        columns = browser.execute_script(
            "const pre = document.querySelector('article div.cell_input pre');"
            "const probe = document.createElement('span');"
            "probe.textContent = 'x'.repeat(200); pre.appendChild(probe);"
            "const w = probe.getBoundingClientRect().width / 200; probe.remove();"
            "const s = getComputedStyle(pre);"
            "const padding = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);"
            "const inner = pre.clientWidth - padding;"
            "return Math.floor(inner / w);"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert columns >= CODE_COLUMNS, f"a code cell shows {columns} characters at 1280 px"


@pytest.mark.parametrize("docname", early_chapters())
def test_no_code_cell_scrolls_sideways_at_1280_px(browser, server, docname):
    emulate(browser, 1280)
    try:
        load(browser, f"{server}/{docname}.html", "light")
        wide = browser.execute_script(WIDE_CELLS)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not wide, f"{docname}: {len(wide)} code cells scroll sideways; longest lines:\n" + (
        "\n".join(wide)
    )


@pytest.mark.parametrize("docname", all_docnames())
def test_no_page_scrolls_sideways_on_a_phone(browser, server, docname):
    emulate(browser, 390)
    try:
        load(browser, f"{server}/{docname}.html", "light")
        page, view, culprits = browser.execute_script(
            "const vw = document.documentElement.clientWidth;"
            "const out = [...document.querySelectorAll('article *')].filter(e => {"
            "  if (e.getBoundingClientRect().right <= vw + 1) return false;"
            "  for (let p = e.parentElement; p; p = p.parentElement) {"
            "    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)"
            "        && p.getBoundingClientRect().right <= vw + 1) return false; }"
            "  return true; }).map(e => e.tagName + ' ' + e.textContent.slice(0, 60));"
            "return [document.documentElement.scrollWidth, vw, out.slice(0, 5)];"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert page <= view, f"{docname} is {page} px wide on a {view} px phone: {culprits}"


def test_one_search_box_and_one_title_at_1280_px(browser, server):
    emulate(browser, 1280)
    try:
        load(browser, f"{server}/{first_chapter()}.html", "light")
        searches, titles = browser.execute_script(
            "const shown = e => { const r = e.getBoundingClientRect();"
            "  return r.width > 0 && r.height > 0"
            "    && getComputedStyle(e).visibility !== 'hidden'; };"
            "const searches = [...document.querySelectorAll("
            "  '.search-button-field, input[type=search]')].filter(shown).length;"
            "const sidebar = document.querySelector('.bd-sidebar-primary');"
            "const title = document.title.split(/ [—|-] /).pop().trim();"
            "const titles = [...sidebar.querySelectorAll('a, p, span')].filter(shown)"
            "  .filter(e => e.children.length === 0 && e.textContent.trim() === title).length;"
            "return [searches, titles];"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert searches == 1, f"{searches} search boxes at 1280 px"
    assert titles == 1, f"the book's title appears {titles} times in the sidebar"
