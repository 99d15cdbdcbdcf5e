"""Page weight: bytes a reader downloads per page, raw and gzip, measured in Chromium.

Serves a built site (default: site/, from `make build`) on 127.0.0.1, opens every page in
Debian's Chromium through Playwright and adds up the HTML and every asset the page really
loads (CSS, JS, fonts, images, the search index). gzip = each body compressed at level 6,
as a static host would serve it. Issue #5 targets <= 150 KB gzip per chapter page.
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

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
BASE = "lstm-gru"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
        "--disable-background-networking", "--disable-component-update"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
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
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=ARGS)
            for page_path in pages:
                bodies = {}
                tab = browser.new_page()
                tab.on("response", lambda r: bodies.setdefault(r.url, r))
                url = base + ("" if page_path == "." else page_path + "/")
                tab.goto(url, wait_until="networkidle")
                tab.wait_for_timeout(200)
                raw = zipped = html_raw = html_zipped = 0
                for response_url, response in list(bodies.items()):  # late responses may still arrive
                    try:
                        body = response.body()
                    except Exception:
                        continue
                    size, packed = len(body), len(gzip.compress(body, 6))
                    raw += size
                    zipped += packed
                    if response_url == url:
                        html_raw, html_zipped = size, packed
                rows.append((page_path, html_raw, html_zipped, raw, zipped, len(bodies)))
                tab.close()
            browser.close()
        httpd.shutdown()
    print(f"{'page':32} {'HTML KB':>8} {'gz':>6} {'total KB':>9} {'gz':>7} {'files':>6}")
    for page_path, html_raw, html_zipped, raw, zipped, count in rows:
        flag = "  > 150 KB gz" if zipped > 150 * 1024 else ""
        print(f"{page_path:32} {html_raw / 1024:8.1f} {html_zipped / 1024:6.1f} {raw / 1024:9.1f} "
              f"{zipped / 1024:7.1f} {count:6d}{flag}")
    worst = max(rows, key=lambda r: r[4])
    print(f"pages: {len(rows)}; heaviest: {worst[0]} at {worst[4] / 1024:.1f} KB gzip")


if __name__ == "__main__":
    main()
