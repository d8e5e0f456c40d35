"""Where the browser tests find the built book, MathJax and Chromium (`make test-browser` sets all three)."""

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _path(variable, default):
    return Path(os.environ.get(variable, PROJECT / default))


@pytest.fixture(scope="session")
def book_html():
    root = _path("BOOK_HTML", "_build/html")
    if not (root / "index.html").is_file():
        pytest.fail(f"BOOK_HTML: expected the built book (run `make book` first), got {root}")
    return root


@pytest.fixture(scope="session")
def browser_options():
    return {
        "mathjax": _path("MATHJAX_DIR", "_build/mathjax/node_modules/mathjax"),
        "chromium": Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")),
    }
