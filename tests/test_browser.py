"""What readers see: every page in both languages, in Debian's Chromium driven by Playwright.

The built site is served on 127.0.0.1 under its published base path (/lstm-gru/).
Screenshots of key pages go to test-artifacts/screenshots/ (not committed).
"""

import re

import pytest

from .browsing import page_url
from .sitebuild import ROOT
from .test_site import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SHOTS = ROOT / "test-artifacts" / "screenshots"

@pytest.fixture
def tab(browser, server):
    """A fresh page that records console errors and every request leaving 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors, page.foreign = [], []
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


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_cleanly(tab, server, page, lang):
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
