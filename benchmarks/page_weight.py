"""Page weight: bytes a reader downloads per page, raw and gzip, measured in Chromium.

Serves a built site (default: site/, from `make build`) on 127.0.0.1, opens every page of both
languages in Debian's Chromium through Playwright and adds up the HTML and every asset the page
really loads (CSS, JS, fonts, images; its worker's scripts). gzip = each body compressed at
level 6, as a static host would serve it. Two figures per page:

    view     the page as it loads; the search index is not among its files (it is fetched
             when a reader starts a search: overrides/partials/search-on-demand.html)
    search   the same page after focus enters the search box: its language's index and lunr's
             language scripts added

The budget (issue 25): a page view <= 150 KB gzip, and a page with its search <= 200 KB;
tests/test_browser.py holds both for every page with `weigh` and `over_budget` below, and
names the heaviest files of a page that goes over.
Usage: python benchmarks/page_weight.py [SITE_DIR] [--chromium PATH]
"""

import argparse
import functools
import gzip
import http.server
import os
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "lstm-gru"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
        "--disable-background-networking", "--disable-component-update"]
KB = 1024
BUDGET = {"view": 150 * KB, "search": 200 * KB}  # gzip bytes

# What to do about a heavy file, by where it lives (first match).
ADVICE = (
    ("search/search_index.json", "the search index: it holds the text of every page of the language; keep "
                                 "labels and outputs out of it (book/search.py KEEP_OUT, data-search-exclude)"),
    ("assets/katex/fonts/", "a KaTeX font, subset to the book's characters at build time (book/katex.py)"),
    ("assets/javascripts/", "Material's own script (theme bundle, search worker or lunr): the same on every page"),
    ("assets/stylesheets/", "Material's own stylesheet: the same on every page"),
    ("assets/", "a stylesheet, script or image of the book (docs/assets/): load it only on pages that use it"),
    ("", "the page's HTML: figures (SVG), formulas (KaTeX) and code; split the page, or move a large "
         "figure or table to a page of its own"),
)


def advice(path):
    """What ADVICE says about the file at `path` (relative to the site root: en/search/... too)."""
    return next(text for where, text in ADVICE if f"/{where}" in f"/{path}")


def record(tab):
    """The responses the Playwright page `tab` receives from now on: {url: response}."""
    responses = {}
    tab.on("response", lambda r: responses.setdefault(r.url, r))
    return responses


def start_search(tab, timeout_ms=15_000):
    """Focus the search box and wait for the index and the lunr scripts it brings: Material's
    worker imports lunr.stemmer.support, lunr.<lang> for each language but en, and lunr.multi
    for more than one (the index's config.lang), after the index has arrived."""
    seen = []

    def note(response):
        seen.append(response.url)

    tab.on("response", note)
    with tab.expect_response(lambda r: r.url.endswith("/search/search_index.json")) as index:
        tab.locator("input.md-search__input").focus()
    langs = index.value.json()["config"]["lang"]
    wanted = [f"lunr.{lang}.min.js" for lang in langs if lang != "en"]
    if wanted:
        wanted += ["lunr.stemmer.support.min.js"] + (["lunr.multi.min.js"] if len(langs) > 1 else [])
    for _ in range(timeout_ms // 100):
        if all(any(url.endswith("/" + name) for url in seen) for name in wanted):
            break
        tab.wait_for_timeout(100)
    tab.remove_listener("response", note)


def weigh(tab, url, *, search=False):
    """{url: (raw bytes, gzip bytes)} of every response while the Playwright page `tab` loads
    `url` and, with search=True, while its search starts (focus in the search box)."""
    responses = record(tab)
    tab.goto(url, wait_until="networkidle")
    tab.wait_for_timeout(200)
    if search:
        start_search(tab)
    return sizes(responses)


def sizes(responses):
    """{url: (raw bytes, gzip bytes)} of recorded responses; gzip at level 6, as a static host."""
    measured = {}
    for response_url, response in list(responses.items()):  # late responses may still arrive
        try:
            body = response.body()
        except Exception:
            continue
        measured[response_url] = (len(body), len(gzip.compress(body, 6)))
    return measured


def total(sizes, column=1):
    return sum(size[column] for size in sizes.values())


def over_budget(name, sizes, base, kind="view", top=5):
    """None when the page is within its budget, else a message naming its heaviest files."""
    zipped, budget = total(sizes), BUDGET[kind]
    if zipped <= budget:
        return None
    lines = [f"{name} ({kind}): {zipped / KB:.1f} KB gzip, over the budget of {budget / KB:.0f} KB by "
             f"{(zipped - budget) / KB:.1f} KB. Heaviest of its {len(sizes)} files (gzip KB):"]
    for url, (raw, packed) in sorted(sizes.items(), key=lambda item: -item[1][1])[:top]:
        path = url.removeprefix(base) or "(home page)"
        lines.append(f"  {packed / KB:6.1f}  {path}  ({raw / KB:.0f} KB raw): {advice(path)}")
    lines.append("Measure every page: python benchmarks/page_weight.py (after make build)")
    return "\n".join(lines)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "site"))
    parser.add_argument("--chromium", default=os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    site = Path(args.site).resolve()
    if not (site / "index.html").is_file():
        raise SystemExit(f"page_weight.py: no built site at {site}; run `make build` first "
                         "(`make bench` builds it when site/ is missing)")
    pages = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html")
                   if "assets" not in p.parts and "search" not in p.parts)
    with tempfile.TemporaryDirectory() as served:
        (Path(served) / BASE).symlink_to(site, target_is_directory=True)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                functools.partial(Quiet, directory=served))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/{BASE}/"
        rows, problems = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=ARGS)
            for page_path in pages:
                url = base + ("" if page_path == "." else page_path + "/")
                measured = {}
                for kind in ("view", "search"):
                    tab = browser.new_page()
                    measured[kind] = weigh(tab, url, search=kind == "search")
                    tab.close()
                    problem = over_budget(page_path, measured[kind], base, kind)
                    if problem:
                        problems.append(problem)
                html_raw, html_zipped = measured["view"].get(url, (0, 0))
                rows.append((page_path, html_raw, html_zipped, total(measured["view"], 0), total(measured["view"]),
                             len(measured["view"]), total(measured["search"])))
            browser.close()
        httpd.shutdown()
    print(f"{'page':32} {'HTML KB':>8} {'gz':>6} {'view KB':>8} {'gz':>7} {'files':>6} {'+search gz':>11}")
    for page_path, html_raw, html_zipped, raw, zipped, count, searched in rows:
        flag = "  over budget" if zipped > BUDGET["view"] or searched > BUDGET["search"] else ""
        print(f"{page_path:32} {html_raw / KB:8.1f} {html_zipped / KB:6.1f} {raw / KB:8.1f} "
              f"{zipped / KB:7.1f} {count:6d} {searched / KB:11.1f}{flag}")
    for lang, chosen in (("ko", [r for r in rows if r[0] != "en" and not r[0].startswith("en/")]),
                         ("en", [r for r in rows if r[0] == "en" or r[0].startswith("en/")])):
        if chosen:
            light, heavy = min(chosen, key=lambda r: r[4]), max(chosen, key=lambda r: r[4])
            print(f"{lang}: {len(chosen)} pages; view {light[4] / KB:.1f} ({light[0]}) to {heavy[4] / KB:.1f} KB gzip "
                  f"({heavy[0]}); with search up to {max(r[6] for r in chosen) / KB:.1f} KB")
    print(f"budget: view <= {BUDGET['view'] / KB:.0f} KB, with search <= {BUDGET['search'] / KB:.0f} KB gzip")
    for index in sorted(site.rglob("search/search_index.json")):
        body = index.read_bytes()
        print(f"{index.relative_to(site)}: {len(body) / KB:.1f} KB raw, {len(gzip.compress(body, 6)) / KB:.1f} KB gzip")
    if problems:
        print("\n\n".join(problems))


if __name__ == "__main__":
    main()
