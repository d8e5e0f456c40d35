"""The built book as a reader meets it: every page opened in headless Chromium, and the problems found.

`check_pages(root, ...)` serves the HTML folder on 127.0.0.1, opens each page in a 1280-pixel-wide window with
Playwright driving Debian's Chromium, saves a screenshot, and returns one `Problem` per thing a reader would
trip over:

- ``console``: an error in the browser console, or an uncaught exception in a page script;
- ``missing``: a file the page asked for that the server does not have (a 404, a missing favicon included);
- ``offline``: a file asked for outside the book (the pages must work without the network; MathJax, which the
  pages load from a CDN, is served from a local copy of the ``mathjax`` npm package instead);
- ``image``: an image that did not load or decode;
- ``link``: a link inside the book to a page or an anchor that does not exist;
- ``wide``: a code block or printed output wider than its column (it would scroll sideways);
- ``launch``: a chapter whose Colab or Binder link is missing or names another notebook;
- ``math``: mathematics left as raw TeX, or a formula MathJax could not typeset.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import posixpath
import re
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"
# Debian's Chromium in a sandbox with no network: no sandbox (root), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIPPED_FOLDERS = {"_static", "_sources", "_images", "_downloads"}


@dataclass(frozen=True)
class Problem:
    page: str
    kind: str
    detail: str

    def __str__(self):
        return f"{self.page}: {self.kind}: {self.detail}"


def book_pages(root):
    """Every HTML page of the built book, as paths relative to `root` with forward slashes."""
    root = Path(root)
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if not SKIPPED_FOLDERS.intersection(path.relative_to(root).parts)
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(root):
    """Serve the folder `root` on 127.0.0.1 at a free port; yields the base address, ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.anchors.add(value)


@functools.cache
def _anchors(path):
    parser = _Anchors()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return frozenset(parser.anchors)


def broken_link(root, page, href):
    """Why the link `href` (already resolved against the server, without the host) on `page` is broken, or None."""
    target, _, fragment = href.partition("#")
    target = target.partition("?")[0]
    path = Path(root) / urllib.parse.unquote(target.lstrip("/"))
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return f"{href} (no such file)"
    if fragment and path.suffix == ".html" and urllib.parse.unquote(fragment) not in _anchors(str(path)):
        return f"{href} (no such anchor)"
    return None


def _redirect(path):
    """The target of a page that only redirects (``<meta http-equiv="refresh" content="0; url=...">``), or None."""
    match = re.search(r'http-equiv="refresh"[^>]*url=([^"]+)"', path.read_text(encoding="utf-8"), re.IGNORECASE)
    return match.group(1) if match else None


# Run in the page once it has loaded and MathJax has typeset it: the checks that read the page itself.
_PAGE_CHECKS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  // Collapsed cells (the Colab cell) are checked as a reader sees them when opened.
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const images = [...document.images]
    .filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => i.getAttribute('src'));
  const wide = [...document.querySelectorAll('pre')]
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => p.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), ''));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const unrendered = [...document.querySelectorAll('.math')]
    .filter(m => !m.querySelector('mjx-container') && !m.closest('mjx-container'))
    .map(m => m.textContent);
  const errors = [...document.querySelectorAll('mjx-merror')].map(m => m.textContent);
  // TeX in the text itself that no math element took up (a `$` the parser missed).
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('pre, code, script, style, mjx-container, .math')) continue;
    if (/\\$[^$\\s][^$]*\\$|\\\\\\(|\\\\\\[|\\\\begin\\{|\\\\frac\\{|\\\\mathbf\\{/.test(node.textContent)) {
      raw.push(node.textContent.trim());
    }
  }
  return {images, wide, links, unrendered, errors, raw};
}"""


def _launch_problems(page, links):
    """A chapter's Colab and Binder buttons must open the chapter's own notebook."""
    if not page.startswith("notebooks/"):
        return []
    notebook = "notebooks/" + posixpath.splitext(posixpath.basename(page))[0] + ".ipynb"
    problems = []
    for service, host in (("Colab", "colab.research.google.com"), ("Binder", "mybinder.org")):
        found = [link for link in links if urllib.parse.urlsplit(link).netloc == host]
        if not found:
            problems.append(f"no {service} link")
        problems += [f"{service} link {link} does not name {notebook}" for link in found if notebook not in link]
    return problems


def check_pages(root, pages=None, *, mathjax, chromium="/usr/bin/chromium", screenshots=None, width=1280):
    """Open `pages` of the built book in `root` (default: every page); returns the pages and their problems.

    `mathjax` is the folder of the ``mathjax`` npm package (version 3), served in place of the CDN; `chromium`
    the browser binary; `screenshots` a folder for one full-page PNG per page (None: no screenshots).
    """
    from playwright.sync_api import sync_playwright

    root, mathjax = Path(root), Path(mathjax)
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"root: expected a built book (a folder with index.html), got {root}")
    if not (mathjax / "es5" / "tex-mml-chtml.js").is_file():
        raise FileNotFoundError(f"mathjax: expected the mathjax npm package (version 3), got {mathjax}")
    if not Path(chromium).is_file():
        raise FileNotFoundError(f"chromium: expected the Chromium binary (Debian's chromium), got {chromium}")
    pages = book_pages(root) if pages is None else list(pages)
    problems = []
    with serve(root) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": 900})
        for page_name in pages:
            redirect = _redirect(root / page_name)
            if redirect is None:
                found = _open(context, base, root, mathjax, page_name, screenshots)
            else:  # index.html: a redirect to the first page, checked as a link
                reason = broken_link(root, page_name, posixpath.join("/", posixpath.dirname(page_name), redirect))
                found = [("link", f"redirect to {reason}")] if reason else []
            problems += [Problem(page_name, kind, detail) for kind, detail in found]
        browser.close()
    return pages, problems


def _open(context, base, root, mathjax, page_name, screenshots):
    """Open one page in a new tab of `context`; returns its problems as (kind, detail) pairs."""
    found = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base):
            return request_route.continue_()
        if url.startswith(MATHJAX_CDN):
            local = mathjax / urllib.parse.urlsplit(url[len(MATHJAX_CDN) :]).path
            if local.is_file():
                return request_route.fulfill(path=str(local))
        found.append(("offline", url))
        return request_route.abort()

    def console(message):
        if message.type == "error":
            found.append(("console", message.text))

    def response(answer):
        if answer.status >= 400:
            found.append(("missing", f"{answer.status} {answer.url}"))

    page = context.new_page()
    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda error: found.append(("console", str(error))))
    page.on("response", response)
    page.goto(base + page_name, wait_until="load")
    seen = page.evaluate(_PAGE_CHECKS)
    page.wait_for_timeout(100)  # late console messages
    if screenshots is not None:
        shot = Path(screenshots) / (page_name.removesuffix(".html").replace("/", "__") + ".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = false; })")
        page.screenshot(path=str(shot), full_page=True)
    page.close()
    found += [("image", f"{src} did not load") for src in seen["images"]]
    found += [("wide", f"a line of {len(line)} characters: {line[:60]!r}") for line in seen["wide"]]
    found += [("math", f"not typeset: {text[:60]!r}") for text in seen["unrendered"]]
    found += [("math", f"TeX error: {text[:60]!r}") for text in seen["errors"]]
    found += [("math", f"raw TeX in the text: {text[:60]!r}") for text in seen["raw"]]
    for link in sorted({link[len(base) - 1 :] for link in seen["links"] if link.startswith(base)}):
        reason = broken_link(root, page_name, link)
        if reason:
            found.append(("link", reason))
    found += [("launch", text) for text in _launch_problems(page_name, seen["links"])]
    return found
