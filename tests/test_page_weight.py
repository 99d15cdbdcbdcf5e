"""The page-weight budget's verdict (benchmarks/page_weight.py), on made-up sizes: no browser.
tests/test_browser.py applies it to every page of the built site, as Chromium loads it."""

from benchmarks import page_weight
from benchmarks.page_weight import KB, over_budget

BASE = "http://127.0.0.1:1/lstm-gru/"


def files(**gzip_kb):
    return {BASE + path.replace("__", "/").replace("_", "."): (int(kb * KB * 4), int(kb * KB))
            for path, kb in gzip_kb.items()}


def test_a_page_within_its_budget_passes():
    assert over_budget("ko lstm/", files(lstm__=20, assets__x_js=100), BASE, "view") is None
    assert over_budget("ko lstm/", files(lstm__=20, search__search_index_json=45, assets__x_js=100),
                       BASE, "search") is None


def test_a_page_over_budget_names_its_heaviest_files_and_what_to_do():
    sizes = {BASE + "lstm/": (200 * KB, 60 * KB), BASE + "assets/javascripts/bundle.min.js": (110 * KB, 34 * KB),
             BASE + "assets/katex/fonts/KaTeX_Main-Regular.woff2": (8 * KB, 8 * KB),
             BASE + "assets/explorers.js": (9 * KB, 3 * KB), BASE + "search/search_index.json": (130 * KB, 50 * KB),
             BASE + "assets/tiny.css": (1 * KB, 1 * KB)}
    view = {url: size for url, size in sizes.items() if "search_index" not in url}
    message = over_budget("ko lstm/", {**view, BASE + "x.svg": (300 * KB, 60 * KB)}, BASE, "view", top=4)
    assert message.startswith("ko lstm/ (view): 166.0 KB gzip, over the budget of 150 KB by 16.0 KB.")
    lines = message.splitlines()
    assert [line.split()[1] for line in lines[1:5]] == ["lstm/", "x.svg", "assets/javascripts/bundle.min.js",
                                                         "assets/katex/fonts/KaTeX_Main-Regular.woff2"]
    assert "the page's HTML" in lines[1] and "Material's own script" in lines[3] and "KaTeX font" in lines[4]
    assert "page_weight.py" in lines[-1] and "tiny.css" not in message
    searched = over_budget("en lstm/", {**sizes, BASE + "x.svg": (300 * KB, 60 * KB)}, BASE, "search")
    assert "over the budget of 200 KB" in searched and "the search index" in searched
    assert page_weight.advice("en/search/search_index.json") == page_weight.advice("search/search_index.json")
    assert page_weight.advice("en/lstm/").startswith("the page's HTML")


def test_the_budgets_are_the_issues():
    assert page_weight.BUDGET == {"view": 150 * KB, "search": 200 * KB}
