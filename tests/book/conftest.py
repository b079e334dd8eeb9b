"""Set-up for the checks of the built book: ``pytest tests/book --book`` after ``make html``."""

from pathlib import Path

import pytest

from .sources import HTML, ROOT


@pytest.fixture(scope="session", autouse=True)
def built_book() -> Path:
    """The book must have been built; say how when it has not."""
    if not (HTML / "docs" / "index.html").is_file():
        pytest.fail(f"no built book in {HTML.relative_to(ROOT)}: run `make html` first")
    return HTML
