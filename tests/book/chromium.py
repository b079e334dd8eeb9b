"""Headless Chromium for the book's browser checks and the live-cell benchmark.

The flags keep Chromium off the network it would otherwise reach for by itself (updates,
sync, QUIC): this machine's network is closed, and the checks assert that a page asks
for nothing beyond 127.0.0.1.
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)


def start(logs: dict[str, str] | None = None):
    """A selenium driver for headless Chromium, keeping the ``logs`` asked for
    (``goog:loggingPrefs``, by default the browser console)."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", logs or {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=options, service=service)
