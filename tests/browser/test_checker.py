"""The browser check fails on a broken page: a copy of a real chapter page, with one of each defect added."""

import shutil

from pages import book_pages, check_pages

# Each defect, and the problems it must cause (kind, start of the detail).
DEFECTS = {
    '<img src="no_such_figure.png" alt="a figure">': [
        ("image", "no_such_figure.png"),
        ("missing", "404"),
        ("console", "404"),
    ],
    '<img src="https://example.org/figure.png" alt="a remote figure">': [
        ("image", "https://example.org/figure.png"),
        ("offline", "https://example.org/figure.png"),
        ("console", "ERR_FAILED"),
    ],
    '<a href="no_such_page.html">a page</a>': [("link", "/notebooks/no_such_page.html (no such file)")],
    '<a href="#no-such-section">a section</a>': [("link", "/notebooks/broken.html#no-such-section (no such anchor)")],
    r"<p>A formula the parser missed: $\frac{1}{2}$.</p>": [("math", "raw TeX")],
    r'<span class="math notranslate nohighlight">\(\frac{1}{\)</span>': [("math", "not typeset")],
    "<pre>" + "x = 1  # " + "a long comment " * 8 + "</pre>": [("wide", "a line of 129 characters")],
    '<script>console.error("a broken script")</script>': [("console", "a broken script")],
}


def test_a_broken_page_gets_one_problem_per_defect(book_html, browser_options, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(book_html, copy)
    chapter = next(page for page in book_pages(copy) if page.startswith("notebooks/"))
    page = (copy / chapter).read_text(encoding="utf-8")
    marker = '<article class="bd-article">'
    assert page.count(marker) == 1
    (copy / "notebooks" / "broken.html").write_text(page.replace(marker, marker + "".join(DEFECTS)), encoding="utf-8")

    _, original = check_pages(copy, [chapter], **browser_options)
    _, broken = check_pages(copy, ["notebooks/broken.html"], **browser_options)

    already = {(problem.kind, problem.detail) for problem in original}
    new = sorted((problem.kind, problem.detail) for problem in broken if (problem.kind, problem.detail) not in already)
    expected = [problem for problems in DEFECTS.values() for problem in problems]
    # The copy's Colab and Binder buttons still open the chapter it was copied from.
    expected += [("launch", "Colab link"), ("launch", "Binder link")]
    unmatched = [want for want in expected if not any(k == want[0] and want[1] in d for k, d in new)]
    unexpected = [got for got in new if not any(got[0] == k and w in got[1] for k, w in expected)]
    assert unmatched == [] and unexpected == [], f"missed {unmatched}; also reported {unexpected}"
