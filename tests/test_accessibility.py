"""WCAG 2.1 A/AA on every page of the built site, both languages, light and dark.

axe-core (npm, pinned in package-lock.json, a dev dependency: it is injected by Playwright
here and never shipped with a page) runs the rules tagged wcag2a, wcag2aa, wcag21a and
wcag21aa. The dark scheme is what a reader whose system prefers dark gets: Material picks
the palette whose `media` matches, which the test checks on every page (data-md-color-scheme).
One browser, one tab per scheme, reused across pages; axe is added to each document by an
init script.
"""

import pytest

from .sitebuild import ROOT, shared_build
from .browser import page_url  # the browser and server fixtures come from conftest.py
from .test_site import PAGES

pytestmark = pytest.mark.browser  # not one xdist group: the audits are a third of the suite
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = {"light": "default", "dark": "slate"}  # emulated prefers-color-scheme -> Material's scheme
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 160)}))}));
}"""


@pytest.fixture(scope="session")
def scheme_tabs(browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm ci (axe-core is pinned in package-lock.json)")
    tabs = {}
    for name in SCHEMES:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      color_scheme="dark" if name == "dark" else "light")
        context.add_init_script(path=str(AXE))
        tabs[name] = context.new_page()
    yield tabs
    for tab in tabs.values():
        tab.context.close()


# axe does not check the contrast of SVG text: every <text> of a figure against what is drawn
# under its centre (filled shapes, with their opacity, over the page), 4.5:1, or 3:1 for large text.
SVG_TEXT_CONTRAST = """() => {
    const rgba = c => { const m = c.match(/rgba?\\(([^)]*)\\)/); if (!m) return null;
        const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
    const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const opacity = (el, stop) => { let o = 1; for (; el && el !== stop.parentNode; el = el.parentNode)
        o *= Number(getComputedStyle(el).opacity); return o; };
    const paint = (el, svg) => { const s = getComputedStyle(el); const c = rgba(s.fill); if (!c || s.fill === 'none') return null;
        c[3] *= Number(s.fillOpacity) * opacity(el, svg); return c; };
    let page = rgba(getComputedStyle(document.body).backgroundColor);
    if (!page || page[3] === 0) page = [255, 255, 255, 1];
    const out = [];
    for (const svg of document.querySelectorAll('article figure svg')) {
        for (const text of svg.querySelectorAll('text')) {
            if (!text.textContent.trim()) continue;
            text.scrollIntoView({block: 'center'});
            const box = text.getBoundingClientRect();
            if (!box.width || !box.height) continue;
            const under = document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            const layers = [];
            for (const el of under) {
                if (el === text || text.contains(el) || el.closest('text')) continue;
                if (!svg.contains(el) || el === svg) break;
                const c = paint(el, svg); if (c) layers.push(c);
            }
            let background = page;
            for (const c of layers.reverse()) background = over(c, background);
            const fg = paint(text, svg) || paint(text.parentNode, svg);
            if (!fg) continue;
            const size = parseFloat(getComputedStyle(text).fontSize) * svg.getScreenCTM().a;
            const bold = Number(getComputedStyle(text).fontWeight) >= 700;
            const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
            const r = ratio(over(fg, background), background);
            if (r < need) out.push(`${svg.closest('figure').id}: "${text.textContent.trim().slice(0, 30)}" `
                + `${r.toFixed(2)}:1 < ${need}:1 (${size.toFixed(1)}px)`);
        }
    }
    window.scrollTo(0, 0);
    return out;
}"""


def audit(tab, url, scheme, css=None):
    """axe's WCAG 2.1 A/AA violations of the page at url, and low-contrast SVG text, as printable lines."""
    response = tab.goto(url, wait_until="networkidle")
    assert response.ok, (url, response.status)
    shown = tab.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert shown == SCHEMES[scheme], f"{url}: expected the {scheme} scheme, the page shows {shown!r}"
    if css:
        tab.add_style_tag(content=css)
    violations = tab.evaluate(RUN_AXE, TAGS)
    problems = [f"{v['rule']} ({v['impact']}: {v['help']}) on {url} [{scheme}]\n    {n['target']}\n    {n['html']}"
                for v in violations for n in v["nodes"]]
    return problems + [f"svg-text-contrast on {url} [{scheme}]\n    {line}" for line in tab.evaluate(SVG_TEXT_CONTRAST)]


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_wcag_violation(scheme_tabs, server, page, lang, scheme):
    problems = audit(scheme_tabs[scheme], server + page_url(page, lang), scheme)
    assert not problems, f"{len(problems)} WCAG 2.1 A/AA violations:\n" + "\n".join(problems)


GREY_ON_GREY = """.md-typeset .highlight { --md-code-bg-color: #9e9e9e; }
.md-typeset .highlight .c1, .md-typeset .highlight .sd { color: #8a8a8a !important; }"""


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_planted_grey_on_grey_comment_is_caught(scheme_tabs, server, scheme):
    """The control: a snippet comment in grey on a grey code background must be reported."""
    problems = audit(scheme_tabs[scheme], server + page_url("lstm/forget-gate", "en"), scheme, css=GREY_ON_GREY)
    caught = [p for p in problems if p.startswith("color-contrast") and (".c1" in p or ".sd" in p)]
    assert caught, "axe missed the planted grey-on-grey comment:\n" + "\n".join(problems)


# ------------------------------------------------------------------------------ keyboard

# The element that shows focus: hidden radio inputs show it on their label (code tabs, palette).
FOCUS = """() => {
    const e = document.activeElement;
    let shown = e;
    if (e.matches('.tabbed-set > input')) {
        const index = [...e.parentNode.querySelectorAll(':scope > input')].indexOf(e);
        shown = e.parentNode.querySelector(':scope > .tabbed-labels').children[index];
    } else if (e.matches('input.md-option')) {
        shown = e.nextElementSibling;
    }
    const style = getComputedStyle(shown), box = shown.getBoundingClientRect();
    return {tag: e.tagName.toLowerCase(), cls: String(e.className), type: e.type || '',
            name: (e.getAttribute('aria-label') || e.getAttribute('title') || e.textContent || '').trim().slice(0, 40),
            kind: e.matches('.tabbed-set > input') ? 'code tab' : e.matches('button.md-code__button') ? 'copy button'
                : e.matches('.md-select button, .md-select a') ? 'language menu' : e.matches('input.md-search__input')
                ? 'search' : e.matches('input.md-option') ? 'colour scheme' : e.matches('pre[role=region]')
                ? 'notebook output' : e.matches('.lab-actions a') ? 'lab button' : '',
            ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
            visible: box.width > 0 && box.height > 0};
}"""


@pytest.fixture
def keyboard_tab(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context.new_page()
    context.close()


def tab_until(tab, predicate, limit=150):
    """Press Tab until the focused element satisfies predicate(FOCUS result); return that result."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        focused = tab.evaluate(FOCUS)
        if predicate(focused):
            return focused
    raise AssertionError(f"not reached by {limit} presses of Tab")


@pytest.mark.parametrize("page", ["lstm/forget-gate", "labs/lstm"])
def test_every_focusable_element_shows_a_focus_ring(keyboard_tab, server, page):
    """One full Tab cycle: every stop is visible with an outline (on its label, for hidden inputs)."""
    tab = keyboard_tab
    tab.goto(server + page_url(page, "en"), wait_until="networkidle")
    stops, kinds = [], set()
    for _ in range(300):
        tab.keyboard.press("Tab")
        focused = tab.evaluate(FOCUS)
        if focused["tag"] == "body":
            break
        stops.append(focused)
        kinds.add(focused["kind"])
    else:
        raise AssertionError("the Tab order never returned to the start")
    missing_ring = [f for f in stops if not (f["ring"] and f["visible"])]
    assert not missing_ring, missing_ring
    expected = {"code tab", "copy button", "language menu", "search", "colour scheme"}
    if page.startswith("labs/"):
        expected = {"copy button", "language menu", "search", "colour scheme", "notebook output", "lab button"}
    assert expected <= kinds, (expected - kinds, [f["name"] for f in stops])


def test_code_tabs_switch_by_keyboard(keyboard_tab, server):
    tab = keyboard_tab
    tab.goto(server + page_url("lstm/forget-gate", "en"), wait_until="networkidle")
    tab_until(tab, lambda f: f["kind"] == "code tab")
    tab.keyboard.press("ArrowRight")
    names = tab.locator("div.snippet .tabbed-block:visible .filename").all_inner_texts()
    assert names and all(name.endswith("_torch.py") for name in names), names


def test_copy_button_copies_by_keyboard(keyboard_tab, server):
    tab = keyboard_tab
    tab.goto(server + page_url("lstm/forget-gate", "en"), wait_until="networkidle")
    tab_until(tab, lambda f: f["kind"] == "copy button" and "copy" in f["name"].lower())
    code = tab.evaluate("document.activeElement.closest('.highlight').querySelector('code').innerText")
    tab.keyboard.press("Enter")
    tab.wait_for_timeout(300)
    assert tab.evaluate("navigator.clipboard.readText()").strip() == code.strip()


def test_language_menu_works_by_keyboard(keyboard_tab, server):
    tab = keyboard_tab
    tab.goto(server + page_url("lstm/forget-gate", "en"), wait_until="networkidle")
    tab_until(tab, lambda f: f["kind"] == "language menu" and f["name"] == "한국어")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url == server + page_url("lstm/forget-gate", "ko")


def test_search_works_by_keyboard(keyboard_tab, server):
    tab = keyboard_tab
    tab.goto(server + page_url("index", "en"), wait_until="networkidle")
    tab_until(tab, lambda f: f["kind"] == "search")
    tab.keyboard.type("update gate")
    tab.keyboard.press("End")
    tab.locator(".md-search-result__item a").first.wait_for(timeout=10_000)
    tab.keyboard.press("ArrowDown")
    href = tab.evaluate("document.activeElement.href")
    assert href and href.startswith(server + "en/"), href
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url.split("#")[0] == href.split("#")[0]


def test_colour_scheme_toggles_by_keyboard(keyboard_tab, server):
    tab = keyboard_tab
    tab.goto(server + page_url("index", "en"), wait_until="networkidle")
    tab_until(tab, lambda f: f["kind"] == "colour scheme")
    tab.keyboard.press("ArrowDown")  # a radio group: the arrow keys choose the other scheme
    tab.wait_for_timeout(200)
    assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"


# ----------------------------------------------------------------------- text alternatives

@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return shared_build(tmp_path_factory, "site")[1]


def test_every_figure_says_what_it_shows(site):
    """Each diagram and plot: role=img, a title, and a <desc> that says more than the caption."""
    import re
    from html import unescape

    figures = 0
    for path in sorted(site.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure class="(?:diagram|plot)".*?</figure>', text, re.DOTALL):
            figures += 1
            where = f"{path.relative_to(site)}: {figure[:80]}"
            svg = re.search(r"<svg\b[^>]*>", figure).group(0)
            assert 'role="img"' in svg and ("aria-label=" in svg or "aria-labelledby=" in svg), where
            title = re.search(r"<title\b[^>]*>(.*?)</title>", figure, re.DOTALL)
            desc = re.search(r"<desc\b[^>]*>(.*?)</desc>", figure, re.DOTALL)
            caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.DOTALL)
            assert title and desc and caption, where
            assert len(unescape(desc.group(1))) > 60 and desc.group(1) not in (title.group(1), caption.group(1)), where
    assert figures >= 20, figures  # every diagram and plot page, both languages


def test_axe_is_never_shipped(site):
    """axe-core is a test-only dev dependency: no page loads it, no file of it is published."""
    assert not [p for p in site.rglob("*") if p.name.startswith("axe")]
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "axe.min.js" not in text and "axe.run(" not in text, path
