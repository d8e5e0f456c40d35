"""Every page of the built book in headless Chromium: no console error, no broken image, link or anchor, no
code block that scrolls sideways at 1280 pixels, launch links to the chapter's own notebook, all math typeset.
A screenshot of each page goes to `_build/screenshots/`."""

import time
from pathlib import Path

import pytest
import yaml

from pages import check_pages

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checked(book_html, browser_options):
    start = time.perf_counter()
    pages, problems = check_pages(book_html, screenshots=book_html.parent / "screenshots", **browser_options)
    print(f"{len(pages)} pages checked in {time.perf_counter() - start:.0f} s")
    return pages, problems


def _toc_files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        yield from _toc_files(entry.get("chapters", []) + entry.get("sections", []) + entry.get("parts", []))


def test_every_page_of_the_toc_is_opened(checked):
    toc = yaml.safe_load((PROJECT / "_toc.yml").read_text())
    files = [toc["root"], *_toc_files(toc["parts"])]
    pages, _ = checked
    assert sorted(f"{file}.html" for file in files if f"{file}.html" not in pages) == []


def test_no_page_has_a_problem(checked):
    _, problems = checked
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(map(str, problems))


def test_every_page_has_a_screenshot(checked, book_html):
    pages, _ = checked
    shots = book_html.parent / "screenshots"
    expected = [shots / (page.removesuffix(".html").replace("/", "__") + ".png") for page in pages]
    assert [str(shot) for shot in expected if not shot.is_file() and shot.name != "index.png"] == []
