"""Checks over the built site that MkDocs' own validation cannot make.

MkDocs validates links written in Markdown only. These checks read every built HTML page,
so they also cover generated HTML (formula blocks, download links), notebook pages and
theme templates:
- every local href/src points to a file that exists, and every #anchor to an id on that page;
- nothing is loaded from another host (scripts, stylesheets, images, fonts, frames, CSS url()).
"""

import os
import re
from functools import lru_cache
from html import unescape
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# <link rel=...> values that make the browser fetch the URL while showing the page
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon", "manifest",
                 "prefetch"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


TAG = re.compile(r"<(a|img|script|link|iframe|source|audio|video|embed|track|image|use)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
ID = re.compile(r"""<[a-zA-Z][\w-]*\s[^>]*?\bid\s*=\s*["']([^"']+)["']""")
ANCHOR_NAME = re.compile(r"""<a\s[^>]*?\bname\s*=\s*["']([^"']+)["']""")
INLINE_CSS = re.compile(r"<style\b[^>]*>(.*?)</style>|\sstyle\s*=\s*\"([^\"]*)\"", re.DOTALL | re.IGNORECASE)
FETCHING_TAGS = {"script", "img", "iframe", "source", "audio", "video", "embed", "track"}


class _Page:
    """What the checks need from one HTML page, read with regular expressions (the whole
    site is read on every build, `mkdocs serve` rebuilds included, so this must be quick)."""

    def __init__(self, text):
        self.ids = {unescape(i) for i in ID.findall(text)} | {unescape(n) for n in ANCHOR_NAME.findall(text)}
        self.links = []      # (tag, attribute, url) the reader can follow
        self.fetches = []    # (tag, url) the browser loads when showing the page
        for match in TAG.finditer(text):
            tag = match.group(1).lower()
            attrs = {m.group(1).lower(): unescape(next(v for v in m.groups()[1:] if v is not None))
                     for m in ATTRIBUTE.finditer(match.group(2))}
            if tag == "a" and attrs.get("href"):
                self.links.append((tag, "href", attrs["href"]))
            elif tag in FETCHING_TAGS and attrs.get("src"):
                self.fetches.append((tag, attrs["src"]))
                self.links.append((tag, "src", attrs["src"]))
            elif tag == "link" and attrs.get("href") and set(attrs.get("rel", "").lower().split()) & FETCHING_RELS:
                self.fetches.append((tag, attrs["href"]))
                self.links.append((tag, "href", attrs["href"]))
            elif tag in {"image", "use"}:  # SVG
                href = attrs.get("href") or attrs.get("xlink:href")
                if href and not href.startswith("#"):
                    self.fetches.append((tag, href))
        self.inline_css = [block or style for block, style in INLINE_CSS.findall(text)]


def _is_remote(url):
    parts = urlsplit(url)
    return bool(parts.scheme in {"http", "https"} or url.startswith("//"))


_pages = {}  # page text -> _Page: `mkdocs serve` parses again only the pages that changed


def _parsed(text):
    page = _pages.get(text)
    if page is None:
        page = _pages[text] = _Page(text)
    return page


def check_site(site_dir, base_path="/"):
    """Return a list of problems (empty when the site is sound).

    base_path: the path part of site_url ("/lstm-gru/"), for root-relative links such as
    those of the 404 page.
    """
    site_dir = Path(site_dir).resolve()
    pages, texts = {}, set()
    for path in sorted(site_dir.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        texts.add(text)
        pages[path] = _parsed(text)
    problems = []

    @lru_cache(maxsize=None)  # a page repeats links (navigation, table of contents, footer)
    def resolve(page_path, url):
        parts = urlsplit(url)
        if parts.path.startswith("/"):
            if not parts.path.startswith(base_path):
                return None, parts.fragment
            target = site_dir / unquote(parts.path[len(base_path):])
        elif parts.path:
            target = page_path.parent / unquote(parts.path)
        else:
            target = page_path
        target = Path(*PurePosixPath(target.as_posix()).parts)
        if target.is_dir() or parts.path.endswith("/"):
            target = target / "index.html"
        return Path(os.path.normpath(target)), parts.fragment  # site_dir is resolved; no symbolic links inside

    for path, page in pages.items():
        where = path.relative_to(site_dir).as_posix()
        for tag, url in page.fetches:
            if _is_remote(url):
                problems.append(f"{where}: <{tag}> loads {url} from another host")
        for css in page.inline_css:
            for match in CSS_URL.finditer(css):
                url = match.group(1) or match.group(2)
                if _is_remote(url):
                    problems.append(f"{where}: inline CSS loads {url} from another host")
        for tag, attribute, url in page.links:
            scheme = urlsplit(url).scheme
            if scheme or url.startswith("//"):
                continue  # another host (a plain link is allowed), mailto:, data:, javascript:
            target, fragment = resolve(path, url)
            if target is None:
                problems.append(f"{where}: <{tag} {attribute}={url!r}> lies outside the site's base path {base_path}")
                continue
            if not target.exists():
                problems.append(f"{where}: <{tag} {attribute}={url!r}> points to a missing file")
                continue
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(fragment) not in ids:
                    problems.append(f"{where}: <{tag} {attribute}={url!r}> points to a missing anchor")
    for css_path in sorted(site_dir.rglob("*.css")):
        for match in CSS_URL.finditer(css_path.read_text(encoding="utf-8")):
            url = match.group(1) or match.group(2)
            if _is_remote(url):
                problems.append(f"{css_path.relative_to(site_dir)}: loads {url} from another host")
    for text in set(_pages) - texts:  # keep one site's pages
        del _pages[text]
    return problems
