"""What readers see: every page in both languages, in Debian's Chromium driven by Playwright.

The built site is served on 127.0.0.1 under its published base path (/lstm-gru/).
Screenshots of key pages go to test-artifacts/screenshots/ (not committed).
"""

import json
import re
from urllib.parse import urlsplit

import pytest

from benchmarks import page_weight

from .browser import page_url
from .sitebuild import ROOT, shared_build
from .test_site import PAGES

pytestmark = pytest.mark.browser  # not one xdist group: each worker starts its own Chromium
SHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture
def tab(browser, server):
    """A fresh page that records console errors and every request leaving 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors, page.foreign = [], []
    page.responses = page_weight.record(page)  # for the page-weight budget (benchmarks/page_weight.py)
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.foreign.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    yield page
    context.close()


def visit(tab, server, page, lang):
    response = tab.goto(server + page_url(page, lang), wait_until="networkidle")
    assert response.ok, response.status
    return tab


@pytest.fixture(scope="module")
def search_files(browser, server):
    """{lang: {url: (raw, gzip)}}: the files starting a search adds to a page of that language
    (its index and lunr's scripts, the same on every page of the language)."""
    added = {}
    for lang in ("ko", "en"):
        context = browser.new_context()
        tab = context.new_page()
        responses = page_weight.record(tab)
        tab.goto(server + page_url("index", lang), wait_until="networkidle")
        view = set(responses)
        page_weight.start_search(tab)
        added[lang] = {url: size for url, size in page_weight.sizes(responses).items() if url not in view}
        context.close()
    return added


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_cleanly(tab, server, search_files, page, lang):
    """Math, figures, code tabs and copy buttons work, nothing fails or leaves 127.0.0.1, and the
    page stays within the budget of benchmarks/page_weight.py (every file this very load
    fetched; and with the index and scripts a search adds), without fetching the index."""
    visit(tab, server, page, lang)
    assert tab.locator("html").get_attribute("lang") == lang
    article = tab.locator("article")
    text = article.inner_text()
    # math rendered by KaTeX at build time: no TeX source visible anywhere
    assert not re.search(r"\$[^$\s]|\\(frac|sigma|odot|tanh|partial)|\\\(|\\\[", text), text[:400]
    sizes = tab.evaluate("""() => [...document.querySelectorAll('article img, article svg.dg, article svg.plot')]
        .map(e => { const r = e.getBoundingClientRect();
                    const label = e.getAttribute('alt') || e.getAttribute('aria-label')
                                  || (e.querySelector('title') || {}).textContent || '';
                    return [r.width, r.height, label.trim().length,
                            e.tagName === 'IMG' ? e.complete && e.naturalWidth > 0 : true]; })""")
    for width, height, label, loaded in sizes:
        assert width > 0 and height > 0 and label > 0 and loaded, sizes
    formulas = tab.locator("div.formula")
    for i in range(formulas.count()):
        formula = formulas.nth(i)
        assert formula.locator(".katex-display").count() == 1
        code_link = formula.locator("a.formula-code-link").get_attribute("href")
        assert tab.locator(f"{code_link} pre code").count() == 2  # NumPy and PyTorch tabs
    snippets = tab.locator("div.snippet .tabbed-block:first-child .highlight")
    for i in range(snippets.count()):
        snippets.nth(i).scroll_into_view_if_needed()  # Material adds the button to visible blocks
        snippets.nth(i).locator("button.md-code__button[data-md-type='copy']").wait_for(timeout=5_000)
    assert tab.errors == [], tab.errors
    assert tab.foreign == [], tab.foreign
    view, name = page_weight.sizes(tab.responses), f"{lang} page {page_url(page, lang) or '(home)'}"
    assert not any(url.endswith("/search_index.json") for url in view), "the index loads before a search"
    for kind, files in (("view", view), ("search", {**view, **search_files[lang]})):
        problem = page_weight.over_budget(name, files, server, kind)
        assert problem is None, problem


def test_tabs_switch_together_and_stay_linked_across_pages(tab, server):
    visit(tab, server, "lstm/input-gate", "en")
    assert tab.locator("div.snippet").count() >= 2
    tab.locator("div.snippet").first.locator("label", has_text="PyTorch").click()
    visible = tab.locator("div.snippet .tabbed-block:visible .filename").all_inner_texts()
    assert visible and all(name.endswith("_torch.py") for name in visible), visible
    visit(tab, server, "gru/update-gate", "en")
    visible = tab.locator("div.snippet .tabbed-block:visible .filename").all_inner_texts()
    assert visible and all(name.endswith("_torch.py") for name in visible), visible


@pytest.mark.parametrize("page", ["index", "lstm/forget-gate", "gru/conventions", "labs/lstm"])
def test_language_switch_lands_on_the_same_page(tab, server, page):
    visit(tab, server, page, "ko")
    for lang in ("en", "ko"):
        tab.locator(".md-header .md-select").hover()  # the language menu opens on hover
        with tab.expect_navigation():
            tab.locator(f".md-select a[hreflang='{lang}']").click()
        assert tab.url == server + page_url(page, lang)


@pytest.mark.parametrize("lang,query,expected", [
    ("ko", "셀 상태", "lstm/"),
    ("ko", "게이트", "lstm/"),
    ("ko", "망각 게이트", "lstm/forget-gate/"),
    ("en", "forget gate", "en/lstm/forget-gate/"),
    ("en", "update gate", "en/gru/update-gate/"),
])
def test_search_finds_the_chapter(tab, server, lang, query, expected):
    visit(tab, server, "index", lang)
    box = tab.locator("input.md-search__input")
    box.click()
    box.fill(query)
    box.press("End")  # Material runs the query on a key event; typed Hangul alone may not trigger it
    results = tab.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert any(h.startswith(server + expected) for h in hrefs), hrefs[:8]


def _index_requests(tab):
    return [url for url in tab.responses if url.endswith("search_index.json")]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_each_language_fetches_its_own_index_when_a_search_starts(tab, server, lang):
    """One index per language (book/search.py), fetched on demand
    (overrides/partials/search-on-demand.html); results stay in the page's language."""
    visit(tab, server, "lstm/forget-gate", lang)
    tab.wait_for_timeout(300)
    assert _index_requests(tab) == [], "the index loads before a search"
    box = tab.locator("input.md-search__input")
    box.click()
    box.fill("LSTM")
    box.press("End")
    results = tab.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    own = server + ("" if lang == "ko" else "en/") + "search/search_index.json"
    assert _index_requests(tab) == [own]
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert all(h.startswith(server + "en/") == (lang == "en") for h in hrefs), hrefs
    # a result's link carries ?h=: that page fetches the index at once, to highlight the words
    tab.responses.clear()
    tab.goto(server + page_url("lstm/forget-gate", lang) + "?h=LSTM", wait_until="networkidle")
    tab.locator("article mark").first.wait_for(timeout=10_000)
    assert _index_requests(tab) == [own]


def test_a_korean_word_is_in_the_korean_index_only(tab, server, built_site):
    word = "게이트는"  # with its particle: never a glossary term, which the English glossary lists in Hangul
    for folder, has_it in (("", True), ("en/", False)):
        index = json.loads((built_site / folder / "search" / "search_index.json").read_text(encoding="utf-8"))
        assert (word in " ".join(d["title"] + " " + d["text"] for d in index["docs"])) == has_it, folder
    visit(tab, server, "index", "en")
    box = tab.locator("input.md-search__input")
    box.click()
    box.fill(word)
    box.press("End")
    tab.locator(".md-search-result__meta", has_text="No matching documents").wait_for(timeout=10_000)
    assert tab.locator(".md-search-result__item").count() == 0


def test_dark_mode_keeps_diagrams_and_plots_readable(tab, server):
    visit(tab, server, "lstm/index", "ko")
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "lstm-index-ko-light.png"), full_page=True)
    tab.locator("form[data-md-component='palette'] label:visible").first.click()
    tab.wait_for_timeout(300)
    assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    tab.screenshot(path=str(SHOTS / "lstm-index-ko-dark.png"), full_page=True)
    contrasts = tab.evaluate("""() => {
        const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                                     return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
        const bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
        return [...document.querySelectorAll('figure svg text')].slice(0, 40).map(t => {
            const l = lum(rgb(getComputedStyle(t).fill));
            return (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05); });
    }""")
    assert contrasts and min(contrasts) >= 3, contrasts


@pytest.mark.parametrize("page,lang", [("index", "ko"), ("lstm/forget-gate", "ko"), ("lstm/forget-gate", "en"),
                                       ("gru/update-gate", "en"), ("labs/lstm", "ko"), ("rnn", "en")])
def test_screenshots_of_key_pages(tab, server, page, lang):
    visit(tab, server, page, lang)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{page.replace('/', '-')}-{lang}.png"
    tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


# ----------------------------------------------------------------------------------------
# What a Korean reader sees: Hangul drawn in a CJK font, lines broken between words, search
# that finds a word written with an attached particle, diagrams readable on a 375 px phone.

PHONE = {"width": 375, "height": 740}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CJK_FONT = re.compile(r"CJK|KR|Gothic|고딕|Source Han|Nanum", re.IGNORECASE)


def platform_fonts(tab, selector):
    """The fonts Chromium actually drew the text of an element with (DevTools Protocol)."""
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
    node = cdp.send("DOM.querySelector", {"nodeId": root["nodeId"], "selector": selector})["nodeId"]
    assert node, f"no {selector} on the page"
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def test_korean_text_is_drawn_with_a_cjk_font_and_a_screenshot_shows_it(tab, server):
    visit(tab, server, "lstm/state-update", "ko")
    family = tab.evaluate("getComputedStyle(document.querySelector('article p')).fontFamily")
    assert family.startswith('"Apple SD Gothic Neo", "Malgun Gothic"'), family  # Korean fonts first
    text = tab.locator("article p").first.inner_text()
    fonts = platform_fonts(tab, "article p")
    cjk = [f for f in fonts if CJK_FONT.search(f["familyName"] + " " + f.get("postScriptName", ""))]
    assert cjk, f"Hangul drawn without a CJK font: {fonts}"
    assert sum(f["glyphCount"] for f in cjk) >= len(HANGUL.findall(text)) > 20, (fonts, text[:80])
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "ko-lstm-state-update.png"), full_page=True)
    assert (SHOTS / "ko-lstm-state-update.png").stat().st_size > 20_000


def test_english_pages_keep_materials_font_stack(tab, server):
    visit(tab, server, "lstm/state-update", "en")
    family = tab.evaluate("getComputedStyle(document.querySelector('article p')).fontFamily")
    assert "Apple SD Gothic Neo" not in family and "-apple-system" in family, family


def _broken_words(tab):
    """Hangul words (어절) of the article's prose whose glyphs sit on more than one line. A word ends
    at an opening parenthesis: the house style attaches a gloss, 셀 상태(cell state), and a line may
    break before it as it would at a space."""
    return tab.evaluate("""() => {
        const broken = [];
        for (const block of document.querySelectorAll('article p, article li, article td, article figcaption')) {
            const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (node.parentElement.closest('code, pre, .katex, svg')) continue;
                for (const m of node.data.matchAll(/[\\uac00-\\ud7a3]{2,}[^\\s(]*/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index);
                    range.setEnd(node, m.index + m[0].length);
                    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                    if (tops.size > 1) broken.push(m[0]);
                }
            }
        }
        return broken;
    }""")


@pytest.mark.parametrize("page", ["lstm/index", "gru/conventions", "notation"])
def test_korean_lines_break_between_words_not_inside_them(browser, server, page):
    context = browser.new_context(viewport=PHONE)
    try:
        tab = context.new_page()
        visit(tab, server, page, "ko")
        assert tab.evaluate("getComputedStyle(document.querySelector('article p')).wordBreak") == "keep-all"
        assert _broken_words(tab) == []
        # the control: Chromium's default breaks Hangul anywhere, and the check sees it
        tab.add_style_tag(content="html[lang=ko] body, html[lang=ko] .md-typeset * { word-break: normal !important }")
        assert _broken_words(tab), "the check cannot see a word broken across lines"
    finally:
        context.close()


def _label_sizes(tab):
    """Rendered size in CSS px of every text and tspan of every diagram: font size × scale."""
    return tab.evaluate("""() => [...document.querySelectorAll('svg.dg')].flatMap(svg => {
        const scale = svg.getScreenCTM().a;
        return [...svg.querySelectorAll('text, tspan')].filter(t => t.textContent.trim())
            .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    })""")


@pytest.mark.parametrize("page", ["lstm/index", "gru/index", "rnn"])
def test_diagram_labels_stay_readable_on_a_phone(browser, server, page):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    try:
        tab = context.new_page()
        visit(tab, server, page, "ko")
        sizes = _label_sizes(tab)
        assert sizes and min(sizes) >= 9, f"smallest diagram label {min(sizes):.1f} px at 375 px wide"
        page_width = tab.evaluate("document.documentElement.scrollWidth")
        assert page_width <= PHONE["width"], f"the page itself scrolls sideways ({page_width} px)"
        scrolls = tab.evaluate("[...document.querySelectorAll('figure.diagram')].every(f => f.scrollWidth > f.clientWidth)")
        assert scrolls, "on a phone each diagram scrolls inside its figure"
        if page == "lstm/index":
            tab.locator("figure.diagram").first.scroll_into_view_if_needed()
            SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / "ko-lstm-index-phone.png"))
        # the control: shrunk to the screen, as before, the labels fall below 9 px
        tab.add_style_tag(content=".md-typeset figure.diagram svg.dg { min-width: 0 !important }")
        assert min(_label_sizes(tab)) < 9
    finally:
        context.close()


def _search(tab, server, query):
    visit(tab, server, "index", "ko")
    box = tab.locator("input.md-search__input")
    box.click()
    box.fill(query)
    box.press("End")  # Material runs the query on a key event; typed Hangul alone may not trigger it
    results = tab.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    count, unchanged = -1, 0
    while unchanged < 3:  # Material shows ten pages, then more as the list scrolls (slowly on a busy machine)
        results.last.scroll_into_view_if_needed()
        tab.wait_for_timeout(400)
        unchanged = unchanged + 1 if results.count() == count else 0
        count = results.count()
    return results.evaluate_all("links => links.map(a => a.href)")


def _sections_with_only_attached(site, word):
    """Search-index sections (page#anchor, lunr's unit) whose text has the word, every time with a
    particle attached. (Material drops low-scoring matches, so a whole page can rank out of the
    results when the word is rare there; a section that has it is what search must find.)"""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    found = []
    for doc in index["docs"]:
        text = re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"])
        if (not doc["location"].startswith("en/") and word in text
                and all(HANGUL.match(text[m.end():m.end() + 1] or " ") for m in re.finditer(word, text))):
            found.append(doc["location"])
    return sorted(found)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    return shared_build(tmp_path_factory, "site")[1]


@pytest.mark.parametrize("word", ["게이트", "기울기"])
def test_search_finds_a_word_written_only_with_particles_attached(tab, server, built_site, word):
    sections = _sections_with_only_attached(built_site, word)
    assert sections, f"no section has {word!r} only with particles attached: choose another word"
    found = set()
    for href in _search(tab, server, word):
        parts = urlsplit(href)
        found.add(parts.path.removeprefix(urlsplit(server).path) + (f"#{parts.fragment}" if parts.fragment else ""))
    assert found & set(sections), (sections, sorted(found))


def test_search_for_cell_state_finds_the_state_update_page(tab, server):
    hrefs = _search(tab, server, "셀 상태")
    assert any(h.startswith(server + "lstm/state-update/") for h in hrefs), hrefs[:10]
