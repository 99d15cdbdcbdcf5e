"""WCAG 2.1 A/AA on every page of the built site, both languages, light and dark.

axe-core (npm, pinned in package-lock.json, a dev dependency: it is injected by Playwright
here and never shipped with a page) runs the rules tagged wcag2a, wcag2aa, wcag21a and
wcag21aa. The dark scheme is what a reader whose system prefers dark gets: Material picks
the palette whose `media` matches, which the test checks on every page (data-md-color-scheme).
One browser, one tab per scheme, reused across pages; axe is added to each document by an
init script.
"""

import pytest

from .sitebuild import ROOT
from .test_browser import browser, page_url, server  # noqa: F401 - the shared fixtures
from .test_site import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = {"light": "default", "dark": "slate"}  # emulated prefers-color-scheme -> Material's scheme
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 160)}))}));
}"""


@pytest.fixture(scope="session")
def scheme_tabs(browser):  # noqa: F811
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


def audit(tab, url, scheme, css=None):
    """axe's WCAG 2.1 A/AA violations of the page at url, as printable lines."""
    response = tab.goto(url, wait_until="networkidle")
    assert response.ok, (url, response.status)
    shown = tab.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert shown == SCHEMES[scheme], f"{url}: expected the {scheme} scheme, the page shows {shown!r}"
    if css:
        tab.add_style_tag(content=css)
    violations = tab.evaluate(RUN_AXE, TAGS)
    return [f"{v['rule']} ({v['impact']}: {v['help']}) on {url} [{scheme}]\n    {n['target']}\n    {n['html']}"
            for v in violations for n in v["nodes"]]


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_wcag_violation(scheme_tabs, server, page, lang, scheme):  # noqa: F811
    problems = audit(scheme_tabs[scheme], server + page_url(page, lang), scheme)
    assert not problems, f"{len(problems)} WCAG 2.1 A/AA violations:\n" + "\n".join(problems)


GREY_ON_GREY = """.md-typeset .highlight { --md-code-bg-color: #9e9e9e; }
.md-typeset .highlight .c1, .md-typeset .highlight .sd { color: #8a8a8a !important; }"""


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_planted_grey_on_grey_comment_is_caught(scheme_tabs, server, scheme):  # noqa: F811
    """The control: a snippet comment in grey on a grey code background must be reported."""
    problems = audit(scheme_tabs[scheme], server + page_url("lstm/forget-gate", "en"), scheme, css=GREY_ON_GREY)
    caught = [p for p in problems if p.startswith("color-contrast") and (".c1" in p or ".sd" in p)]
    assert caught, "axe missed the planted grey-on-grey comment:\n" + "\n".join(problems)
