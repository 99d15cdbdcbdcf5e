"""The built site, read as HTML: what `mkdocs build --strict` (uncached) actually published."""

import json
import re
from pathlib import Path

import pytest

from book import catalogue, diagrams, diagrams_backward, diagrams_modern, layer_diagrams, plots, plots_backward, site_check

from .sitebuild import ROOT, shared_build

pytestmark = [pytest.mark.site, pytest.mark.xdist_group("site")]
LANGS = ("ko", "en")
DOCS = ROOT / "docs"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
BASE = "/lstm-gru/"  # the path of site_url


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return shared_build(tmp_path_factory, "site")[1]


def page_sources():
    """docs/X.ko.md and docs/X.ko.ipynb as X (without language suffix and extension)."""
    return sorted(str(p.relative_to(DOCS)).rsplit(".ko.", 1)[0] for p in DOCS.rglob("*.ko.*")
                  if p.suffix in {".md", ".ipynb"})


def html_path(site, page, lang):
    prefix = site if lang == "ko" else site / "en"
    if page == "index":
        return prefix / "index.html"
    return prefix / page.removesuffix("/index") / "index.html"


def read(site, page, lang):
    return html_path(site, page, lang).read_text(encoding="utf-8")


def article(html):
    """The page's main content, without navigation and search chrome."""
    return html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]


PAGES = page_sources()


def test_pages_found():
    assert len(PAGES) >= 16 and "index" in PAGES and "labs/lstm" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_exists_in_both_languages_with_the_right_lang(site, page):
    for lang in LANGS:
        html = read(site, page, lang)
        assert f'<html lang="{lang}"' in html
        text = re.sub(r"<[^>]+>", " ", article(html))
        if lang == "ko":
            assert HANGUL.search(text), f"{page}: Korean page without Korean text"


@pytest.mark.parametrize("page", PAGES)
def test_language_switch_links_to_the_same_page(site, page):
    ko, en = read(site, page, "ko"), read(site, page, "en")
    switch_ko = re.findall(r'<a href="([^"]+)" hreflang="en"', ko)
    switch_en = re.findall(r'<a href="([^"]+)" hreflang="ko"', en)
    assert switch_ko and switch_en
    for href, here, there in ((switch_ko[0], "ko", "en"), (switch_en[0], "en", "ko")):
        if href.startswith("/"):
            assert href.startswith(BASE), href
            target = (site / href[len(BASE):]).resolve()
        else:
            target = (html_path(site, page, here).parent / href).resolve()
        expected = html_path(site, page, there)
        assert target in {expected.resolve(), expected.parent.resolve()}, (href, expected)


@pytest.mark.parametrize("page", [p for p in PAGES if not p.startswith("labs/")])
def test_heading_ids_are_identical_across_languages(site, page):
    ids = [re.findall(r'<h[1-6] id="([^"]+)"', article(read(site, page, lang))) for lang in LANGS]
    assert ids[0] == ids[1]
    assert all(re.fullmatch(r"[a-z0-9_-]+", i) for i in ids[0]), ids[0]


FORMULA = re.compile(r'<div class="formula" id="([a-z0-9_]+)" data-latex="([^"]*)"')


def test_every_catalogue_formula_is_shown_in_both_languages(site):
    shown = {lang: {} for lang in LANGS}
    for page in PAGES:
        for lang in LANGS:
            for formula_id, latex in FORMULA.findall(read(site, page, lang)):
                assert formula_id not in shown[lang], f"{formula_id} shown twice"
                shown[lang][formula_id] = (page, latex)
    assert shown["ko"] == shown["en"]
    assert set(shown["ko"]) == set(catalogue.formulas())
    for formula_id, (page, _) in shown["ko"].items():
        assert page == catalogue.formulas()[formula_id]["page"]


@pytest.mark.parametrize("formula_id", list(catalogue.formulas()))
@pytest.mark.parametrize("lang", LANGS)
def test_formula_block_links_to_code_that_ran(site, formula_id, lang):
    entry = catalogue.formulas()[formula_id]
    # book/search.py marks file names, run outputs and file links data-search-exclude: not the index's
    html = read(site, entry["page"], lang).replace(" data-search-exclude", "")
    block = html.split(f'<div class="formula" id="{formula_id}"', 1)[1]
    assert 'class="katex-display"' in block.split('<p class="formula-links">', 1)[0]  # rendered, not raw TeX
    assert f'href="#{formula_id}-code"' in block.split('<div class="snippet"', 1)[0]
    after = html.split(f'<div class="snippet" id="{formula_id}-code"', 1)[1]
    code = after.split('<p class="snippet-files">', 1)[0]
    for framework in catalogue.FRAMEWORKS:
        assert f'<span class="filename">snippets/{entry["module"]}_{framework}.py</span>' in code
    assert code.count(f'<span class="nf">{formula_id}</span>') == 2, "the function itself, in both tabs"
    output = after.split('<p class="formula-run">', 1)[1].split("</code></pre>", 1)[0]
    assert output.count(f"&gt;&gt;&gt; {formula_id}(") == len(entry["examples"])
    assert re.search(r"max \|numpy - torch\| = \d\.\de[+-]\d\d", output)
    assert re.search(r"# on (cpu|cuda)", output)


def test_displayed_code_is_the_snippet_text(site):
    """Tabs show the snippet section verbatim (compare without the highlighting markup)."""
    html = read(site, "lstm/forget-gate", "en")
    code = html.split('<div class="snippet" id="lstm_forget_gate-code"', 1)[1].split("</code></pre>", 1)[0]
    shown = re.sub(r"<[^>]+>", "", code.split("<code>", 1)[1])
    shown = shown.replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    source = (ROOT / "snippets/lstm_numpy.py").read_text(encoding="utf-8")
    section = source.split("# --8<-- [start:lstm_forget_gate]\n", 1)[1].split("# --8<-- [end:lstm_forget_gate]", 1)[0]
    assert shown.strip() == section.strip()


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_snippet_files_are_published_for_download(site, name):
    for framework in catalogue.FRAMEWORKS:
        published = site / "snippets" / f"{name}_{framework}.py"
        assert published.read_bytes() == (ROOT / "snippets" / f"{name}_{framework}.py").read_bytes()


def test_no_traceback_or_error_output_anywhere(site):
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in html, path
        assert "jp-RenderedText" not in html or 'data-mime-type="application/vnd.jupyter.stderr"' not in html, path


def test_site_check_finds_nothing(site):
    assert site_check.check_site(site, "/lstm-gru/") == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", ["labs/lstm", "labs/gru"])
def test_notebook_pages_are_executed_and_downloadable(site, page, lang):
    html = read(site, page, lang)
    assert "jp-Cell" in html and '"cells":' not in html  # rendered, not the raw JSON
    assert re.search(r"device: (cpu|NVIDIA[^<]*)", html)
    assert "max |lstm_torch - nn.LSTM|" in html or "max |gru_torch - nn.GRU|" in html
    name = page.split("/")[1]
    assert (html_path(site, page, lang).parent / f"{name}.{lang}.ipynb").exists()
    assert f'href="{name}.{lang}.ipynb"' in html or f"/{name}.{lang}.ipynb" in html


@pytest.mark.parametrize("lang", LANGS)
def test_every_diagram_and_plot_is_inline_svg_in_the_page_language(site, lang):
    found = {"diagram": set(), "plot": set()}
    for page in PAGES:
        html = read(site, page, lang)
        for kind, name, svg in re.findall(r'<figure class="(diagram|plot)" id="(?:diagram|plot)-(\w+)"[^>]*>\s*(<svg.*?</svg>)',
                                          html, re.DOTALL):
            found[kind].add(name)
            assert re.search(r"<title[^>]*>[^<]+</title>", svg)
            text = " ".join(re.findall(r">([^<>]+)<", svg))
            assert bool(HANGUL.search(text)) == (lang == "ko"), (page, name)
    assert found["diagram"] == (set(diagrams.NAMES) | set(diagrams_backward.NAMES) | set(layer_diagrams.NAMES)
                                | set(diagrams_modern.NAMES))
    assert found["plot"] == set(plots.NAMES) | set(plots_backward.NAMES)


def test_search_index_per_language_with_spaced_korean_terms(site):
    """One index per language (book/search.py): Korean pages at /, English pages at /en/,
    each location relative to its language's folder."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    english = json.loads((site / "en" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert {d["location"].split("#")[0] for d in index["docs"]} == {d["location"].split("#")[0] for d in english["docs"]}
    assert not any(d["location"].startswith("en/") for d in index["docs"] + english["docs"])
    assert not HANGUL.search(" ".join(d["title"] for d in english["docs"]))
    assert index["config"] == english["config"]  # the same tokenizer and pipeline as the one merged index had
    docs = index["docs"] + english["docs"]
    korean = " ".join(d["text"] for d in index["docs"])
    for term in ("망각 게이트", "셀 상태", "은닉 상태", "업데이트 게이트", "리셋 게이트", "장기 의존성"):
        assert term in korean, term
    for term in ("망각게이트", "셀상태"):  # search splits Hangul only at spaces
        assert term not in korean, term
    # it loads with every page: prose only, no code, outputs, SVG labels or KaTeX renderings
    everything = " ".join(d["text"] for d in docs)
    for junk in ("def lstm_forget_gate", "max |numpy - torch|", "\\sigma", "\u200b", "후보 셀 상태g"):
        assert junk not in everything, junk


def test_no_request_to_another_host_in_any_page_or_stylesheet(site):
    remote = re.compile(r'(?:src|href)="(?:https?:)?//(?!gate-by-gate\.github\.io)[^"]+"')
    for path in list(site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html):
            if re.search(r'rel="(?:canonical|alternate)"', tag):
                continue
            assert not remote.search(tag), f"{path}: {tag}"
    for path in site.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", path.read_text(encoding="utf-8")), path


def test_math_needs_no_javascript(site):
    """KaTeX ran at build time: no math script is loaded and no raw TeX delimiters remain."""
    for page in PAGES:
        for lang in LANGS:
            html = read(site, page, lang)
            assert "katex.min.js" not in html and "mathjax" not in html.lower()
            assert 'class="arithmatex"' not in html
            # anywhere on the page (the table of contents and navigation too), outside KaTeX's TeX annotation
            visible = re.sub(r"<annotation.*?</annotation>|<script.*?</script>", "", html, flags=re.DOTALL)
            assert not re.search(r"\\\(|\\\[|\$\$", visible), (page, lang)


def test_subset_katex_fonts_cover_every_rendered_character(site):
    """The published KaTeX fonts are cut down at build time; none may lack a glyph the pages use."""
    from fontTools.ttLib import TTFont

    fonts = sorted((site / "assets" / "katex" / "fonts").glob("*.woff2"))
    assert fonts and sum(f.stat().st_size for f in fonts) < 300_000
    covered = set()
    for font in fonts:
        covered |= set(TTFont(str(font)).getBestCmap())
    used = set()
    for path in site.rglob("*.html"):
        for math in re.findall(r'<span class="katex-html" aria-hidden="true">(.*?)</book-math>',
                               path.read_text(encoding="utf-8"), re.DOTALL):
            used |= {ord(c) for c in re.sub(r"<[^>]+>|&\w+;", "", math) if not c.isspace() and c != "\u200b"}
    assert used and not used - covered, sorted(chr(c) for c in used - covered)
