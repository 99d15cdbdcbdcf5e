"""Browser fixtures shared by every browser test (one Chromium, one server per session).

Registered in tests/conftest.py, so test_browser.py and test_accessibility.py use the same
instances (two sync Playwright instances cannot run in one process).
"""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from .sitebuild import shared_build

CHROMIUM = os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium")
BASE = "/lstm-gru/"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def page_url(page, lang):
    path = "" if page == "index" else page.removesuffix("/index") + "/"
    return ("" if lang == "ko" else "en/") + path


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    _, site = shared_build(tmp_path_factory, "site")
    root = tmp_path_factory.mktemp("served")
    (root / BASE.strip("/")).symlink_to(site, target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{BASE}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set BOOK_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
