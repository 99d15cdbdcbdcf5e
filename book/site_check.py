"""Checks over the built site that MkDocs' own validation cannot make.

MkDocs validates links written in Markdown only. These checks read every built HTML page,
so they also cover generated HTML (formula blocks, download links), notebook pages and
theme templates:
- every local href/src points to a file that exists, and every #anchor to an id on that page;
- nothing is loaded from another host (scripts, stylesheets, images, fonts, frames, CSS url()).
"""

import re
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# <link rel=...> values that make the browser fetch the URL while showing the page
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon", "manifest",
                 "prefetch"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []      # (tag, attribute, url) the reader can follow
        self.fetches = []    # (tag, url) the browser loads when showing the page
        self.inline_css = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append((tag, "href", attrs["href"]))
        if tag in {"script", "img", "iframe", "source", "audio", "video", "embed", "track"} and attrs.get("src"):
            self.fetches.append((tag, attrs["src"]))
            self.links.append((tag, "src", attrs["src"]))
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                self.fetches.append((tag, attrs["href"]))
                self.links.append((tag, "href", attrs["href"]))
        if tag in {"image", "use"}:  # SVG
            href = attrs.get("href") or attrs.get("xlink:href")
            if href and not href.startswith("#"):
                self.fetches.append((tag, href))
        if attrs.get("style"):
            self.inline_css.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css.append(data)


def _is_remote(url):
    parts = urlsplit(url)
    return bool(parts.scheme in {"http", "https"} or url.startswith("//"))


def check_site(site_dir, base_path="/"):
    """Return a list of problems (empty when the site is sound).

    base_path: the path part of site_url ("/lstm-gru/"), for root-relative links such as
    those of the 404 page.
    """
    site_dir = Path(site_dir)
    pages = {}
    for path in sorted(site_dir.rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    problems = []

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
        return target.resolve(), parts.fragment

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
    return problems
