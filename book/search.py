"""One search index per language: a Korean page loads only the Korean index, an English page
only the English one.

Material's search plugin writes one `search/search_index.json`, and mkdocs-static-i18n fills
it with the entries of every language (every page fetched both: 81 KB gzip of which a reader
used half). Here, after each language's build:

    ko (default)  search/search_index.json      entries of the pages at /
    en            en/search/search_index.json   entries of the pages at /en/, their locations
                                                relative to /en/

Material's script fetches `search/search_index.json` relative to the `base` of the page's
`__config` and resolves each result's location against that base, so an English page's base
is moved from the site root to /en/ (`localize_config`): the English site is searched as if
it were a site of its own. Both indexes keep Material's search configuration (separator,
pipeline, lunr languages) unchanged, so each language finds what the merged index found:
Hangul split at spaces, prefixes matched ("게이트" finds "게이트는"), one result per section.

Written without escaping non-ASCII (Material writes Hangul as \\uXXXX: 6 bytes instead of 3).
A page fetches its index only when a reader starts a search:
overrides/partials/search-on-demand.html.
"""

import json
import re
from pathlib import Path

CONFIG_START = '<script id="__config" type="application/json">'
CONFIG_BASE = re.compile(re.escape(CONFIG_START) + r'([^<]*?"base": ")([^"]*)"')


# Elements of every page that no one searches for, kept out of the index: what the build
# printed (labels of run outputs), the NumPy | PyTorch tab labels, snippet file names and
# download links that follow each formula, and the formula table of the notation page (each
# id is indexed where its formula is). Each never nests, as Material's parser requires: it
# ends an exclusion at the first closing tag of the same name. Measured on the 50 pages:
# 1 KB gzip (16 KB raw) less per language; code blocks, outputs, figures and math are
# excluded by hooks.py (Material would index each formula three times: KaTeX's HTML, MathML
# and TeX). What stays is prose, headings, exercises and tables a reader searches.
KEEP_OUT = ('<p class="formula-run">', '<p class="exercise-run">', '<p class="snippet-files">',
            '<label for="__tabbed_', '<span class="filename">', '<table class="formula-index">')


def keep_out(content):
    """The page's HTML with the elements of KEEP_OUT marked data-search-exclude."""
    for start in KEEP_OUT:
        tag, _, rest = start.partition(" ")
        content = content.replace(start, f"{tag} data-search-exclude {rest}")
    return content


def prefix(lang, default):
    """The folder of a language's pages and index: "" for the default language, "en/" for en."""
    return "" if lang == default else f"{lang}/"


def entries_of(entries, lang, langs, default):
    """The search entries of one language's pages, their locations relative to its folder."""
    if lang == default:
        others = tuple(f"{other}/" for other in langs if other != default)
        return [entry for entry in entries if not entry["location"].startswith(others)]
    mine = f"{lang}/"
    return [dict(entry, location=entry["location"].removeprefix(mine))
            for entry in entries if entry["location"].startswith(mine)]


def index_path(site_dir, lang, default):
    return Path(site_dir) / prefix(lang, default) / "search" / "search_index.json"


def write_index(config, i18n, langs, default):
    """Write the index of the language just built; call from on_post_build, after Material's
    search plugin and mkdocs-static-i18n's on_post_build.

    mkdocs-static-i18n builds the other languages inside the default language's on_post_build,
    then merges every language's entries into Material's index and writes them to
    search/search_index.json. So the nested builds (i18n.building) write their own language,
    and the default language's call comes last, when i18n.current_language still names the
    last nested language: it replaces the merged file with the default language's entries."""
    lang = i18n.current_language if i18n.building else default
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    if plugin is None or not plugin.config.enabled:
        return None
    index = plugin.search_index
    settings = {key: plugin.config[key] for key in ("lang", "separator", "pipeline", "fields")}
    docs = entries_of(index.entries, lang, langs, default)
    path = index_path(config.site_dir, lang, default)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"config": settings, "docs": docs}, ensure_ascii=False, separators=(",", ":"), default=str)
    path.write_text(data, encoding="utf-8")
    return path


def localize_config(output, lang, default):
    """Point the page's `__config` base at its language's folder, where its index is.

    Material reads the base for three things: the index URL, the links of search results
    (locations are relative to it), and mike's version selector (not used here)."""
    if lang == default:
        return output
    at = output.find(CONFIG_START)
    match = CONFIG_BASE.match(output, at) if at >= 0 else None
    if match is None:
        raise ValueError("no Material __config with a base in the page: cannot point its search at "
                         f"{lang}/search/search_index.json")
    base = (match.group(2).rstrip("/") or ".") + f"/{lang}/"
    return output[:match.start(2)] + base + output[match.end(2):]
