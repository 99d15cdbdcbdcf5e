"""Planted faults for the guards a hook function or the site check shows on its own.

Each test calls the very function the build calls (hooks.on_files, on_page_markdown,
on_page_content, book.site_check.check_site) on a tiny input holding one fault, so it fails
the same way the build would, in milliseconds instead of a full strict build. The full
builds that show the same functions wired into MkDocs are in tests/test_build_guards.py.
"""

import re
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

import hooks
from book.guards import guard
from book.site_check import check_site

CLEAN_PAGE = '<html><body><h1 id="top">t</h1><a href="#top">up</a><img src="img.png" alt=""></body></html>'


def config(lang="en"):
    return SimpleNamespace(plugins={"i18n": SimpleNamespace(current_language=lang)},
                           repo_url="https://github.com/gate-by-gate/lstm-gru")


def page(src_uri, toc=()):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri, abs_src_path=f"/docs/{src_uri}"),
                           url=src_uri.split(".")[0] + "/",
                           toc=SimpleNamespace(items=list(toc)))


def raises_guard(name):
    """pytest.raises for the PluginError that prints guard `name`'s message."""
    return pytest.raises(PluginError, match=re.escape(guard(name).text))


# ---------------------------------------------------------------------------------- hooks.py

@pytest.mark.guard("page_language_suffix")
def test_a_page_without_a_language_suffix(tmp_path, monkeypatch):
    for name in ("index.ko.md", "index.en.md", "stray.md"):
        (tmp_path / name).write_text("# x\n", encoding="utf-8")
    monkeypatch.setattr(hooks, "DOCS", tmp_path)
    with raises_guard("page_language_suffix"):
        hooks.on_files([], config())
    (tmp_path / "stray.md").unlink()
    assert hooks.on_files([], config()) == []  # the control: the same folder without the fault


@pytest.mark.guard("page_without_twin")
def test_a_page_without_its_twin(tmp_path, monkeypatch):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "gru.ko.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(hooks, "DOCS", tmp_path)
    with pytest.raises(PluginError, match="labs/gru.ko.ipynb has no twin labs/gru.en.ipynb"):
        hooks.on_files([], config())


def markdown(text, lang="en"):
    return hooks.on_page_markdown(text, page(f"rnn.{lang}.md"), config(lang), None)


@pytest.mark.guard("unknown_directive")
def test_an_unknown_directive():
    with raises_guard("unknown_directive"):
        markdown("Text.\n\n::formulas rnn_hidden_state\n")


@pytest.mark.guard("code_section_not_unique")
def test_code_naming_no_snippet_section():
    with raises_guard("code_section_not_unique"):
        markdown("::code lstm_no_such_section\n")
    assert 'id="lstm_cell"' in markdown("::code lstm_cell\n")  # the control


@pytest.mark.guard("code_given_a_formula_id")
def test_code_given_a_formula_id():
    with raises_guard("code_given_a_formula_id"):
        markdown("::code gru_update_gate\n")


@pytest.mark.guard("unknown_figure")
def test_an_unknown_diagram_or_plot():
    for directive in ("::diagram lstm_cel\n", "::plot activation\n"):
        with raises_guard("unknown_figure"):
            markdown(directive)


@pytest.mark.guard("unknown_formula_id")
def test_an_unknown_formula_id():
    with raises_guard("unknown_formula_id"):
        markdown("::formula lstm_forgot_gate\n")


@pytest.mark.guard("math_in_heading")
def test_math_in_a_heading():
    with raises_guard("math_in_heading"):
        markdown("## The gate $f_t$ { #gate }\n")


@pytest.mark.guard("avoided_korean_term")
def test_an_avoided_korean_term():
    with raises_guard("avoided_korean_term"):
        markdown("삭제 게이트라고도 합니다.\n", lang="ko")
    assert markdown("삭제 게이트라고도 합니다.\n", lang="en")  # the check reads Korean pages only


def content(html, src_uri="rnn.en.md", toc=()):
    return hooks.on_page_content(html, page(src_uri, toc), config(), None)


@pytest.mark.guard("display_math_without_code_link")
def test_display_math_outside_formula():
    with raises_guard("display_math_without_code_link"):
        content('<p>x</p><div class="arithmatex">\\[c_t = c_{t-1}\\]</div>')


@pytest.mark.guard("katex_cannot_render")
def test_tex_that_katex_cannot_render():
    with raises_guard("katex_cannot_render"):
        content('<p><span class="arithmatex">\\(\\frac{1}{\\)</span></p>')
    assert "book-math" in content('<p><span class="arithmatex">\\(\\frac{1}{2}\\)</span></p>')


@pytest.mark.guard("notebook_display_math")
def test_display_math_in_a_notebook():
    with raises_guard("notebook_display_math"):
        content("<div><p>$$c_t = c_{t-1}$$</p></div>", src_uri="labs/lstm.en.ipynb")


@pytest.mark.guard("notebook_headings_and_toc_differ")
def test_notebook_headings_that_the_toc_lacks():
    heading = '<h2 id="x">Setup<a class="anchor-link" href="#x">¶</a></h2>'
    with raises_guard("notebook_headings_and_toc_differ"):
        content(heading, src_uri="labs/lstm.en.ipynb", toc=[])
    entry = SimpleNamespace(id="x", children=[])
    assert 'id="setup"' in content(heading, src_uri="labs/lstm.en.ipynb", toc=[entry])
    assert entry.id == "setup"  # the control: the toc entry follows the heading's new id


# ------------------------------------------------------------------------ book/site_check.py

def site(tmp_path, html, css=None):
    (tmp_path / "index.html").write_text(CLEAN_PAGE.replace("</body>", html + "</body>"), encoding="utf-8")
    (tmp_path / "img.png").write_bytes(b"")
    if css is not None:
        (tmp_path / "style.css").write_text(css, encoding="utf-8")
    return check_site(tmp_path, "/lstm-gru/")


def test_the_clean_tiny_site_passes(tmp_path):
    assert site(tmp_path, '<a href="https://example.com/">a plain link to another host is fine</a>',
                css="body { background: url(img.png) }") == []


@pytest.mark.guard("remote_asset")
def test_an_image_from_another_host(tmp_path):
    assert site(tmp_path, '<img src="https://example.com/t.png">') == [
        "index.html: <img> loads https://example.com/t.png from another host"]


@pytest.mark.guard("protocol_relative_asset")
def test_a_protocol_relative_asset(tmp_path):
    problems = site(tmp_path, '<script src="//cdn.example.com/x.js"></script>'
                              '<link rel="stylesheet" href="//cdn.example.com/x.css">')
    assert problems == ["index.html: <script> loads //cdn.example.com/x.js from another host",
                        "index.html: <link> loads //cdn.example.com/x.css from another host"]


@pytest.mark.guard("remote_asset_in_inline_css")
def test_inline_css_from_another_host(tmp_path):
    problems = site(tmp_path, '<div style="background: url(\'https://example.com/bg.png\')"></div>'
                              '<style>@import "//fonts.example.com/f.css";</style>')
    assert problems == ["index.html: inline CSS loads https://example.com/bg.png from another host",
                        "index.html: inline CSS loads //fonts.example.com/f.css from another host"]


@pytest.mark.guard("remote_asset_in_css_file")
def test_a_css_file_loading_from_another_host(tmp_path):
    assert site(tmp_path, "", css='@font-face { src: url("https://fonts.example.com/a.woff2") }') == [
        "style.css: loads https://fonts.example.com/a.woff2 from another host"]


@pytest.mark.guard("link_outside_base_path")
def test_a_root_relative_link_outside_the_base_path(tmp_path):
    assert site(tmp_path, '<a href="/other/page/">x</a>') == [
        "index.html: <a href='/other/page/'> lies outside the site's base path /lstm-gru/"]
    assert site(tmp_path, '<a href="/lstm-gru/img.png">x</a>') == []  # the control


@pytest.mark.guard("link_to_missing_file")
def test_a_link_to_a_missing_file(tmp_path):
    assert site(tmp_path, '<a href="lstm/no-such-page/">x</a><img src="gone.svg">') == [
        "index.html: <a href='lstm/no-such-page/'> points to a missing file",
        "index.html: <img src='gone.svg'> points to a missing file"]


@pytest.mark.guard("link_to_missing_anchor")
def test_a_link_to_a_missing_anchor(tmp_path):
    assert site(tmp_path, '<a href="#no_such_formula">x</a><a href="index.html#top">y</a>') == [
        "index.html: <a href='#no_such_formula'> points to a missing anchor"]


def test_site_check_reads_every_kind_of_reference(tmp_path):
    """One small site with each kind of reference the checker must read, right and wrong."""
    (tmp_path / "lstm").mkdir()
    (tmp_path / "lstm" / "index.html").write_text('<p id="formula">셀 상태</p><a name="old-anchor"></a>',
                                                  encoding="utf-8")
    (tmp_path / "a.css").write_text('@import "http://fonts.example.com/a.css"; p { background: url(a.png) }',
                                    encoding="utf-8")
    (tmp_path / "a.png").write_bytes(b"")
    page = """<html><body><p>망각 게이트</p>
<a href="https://example.com/">a plain link elsewhere</a><a href="mailto:x@example.com">mail</a>
<a href="lstm/">dir</a><a href="lstm/#formula">ok</a><a href="lstm/#old-anchor">named</a><a href="lstm/#nope">bad</a>
<a href="lstm">no slash</a><a href="/site/lstm/#formula">root-relative</a><a href="a.css#x">not html</a>
<link rel="alternate" href="https://example.com/feed.xml"><link rel="canonical" href="missing.html">
<link rel="preload icon" href="http://example.com/i.png">
<svg><use href="#local"/><use xlink:href="https://example.com/s.svg#i"/><image href="//example.com/p.png"/></svg>
<video src="https://example.com/v.mp4"></video><a src="https://example.com/ignored.png">a src is no fetch</a>
</body></html>"""
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    assert check_site(tmp_path, "/site/") == [
        "index.html: <link> loads http://example.com/i.png from another host",
        "index.html: <use> loads https://example.com/s.svg#i from another host",
        "index.html: <image> loads //example.com/p.png from another host",
        "index.html: <video> loads https://example.com/v.mp4 from another host",
        "index.html: <a href='lstm/#nope'> points to a missing anchor",
        "a.css: loads http://fonts.example.com/a.css from another host",
    ]
    # the default base path is the site root
    assert check_site(tmp_path) == [
        "index.html: <link> loads http://example.com/i.png from another host",
        "index.html: <use> loads https://example.com/s.svg#i from another host",
        "index.html: <image> loads //example.com/p.png from another host",
        "index.html: <video> loads https://example.com/v.mp4 from another host",
        "index.html: <a href='lstm/#nope'> points to a missing anchor",
        "index.html: <a href='/site/lstm/#formula'> points to a missing file",
        "a.css: loads http://fonts.example.com/a.css from another host",
    ]


@pytest.mark.guard("lab_notebook_not_published")
def test_a_lab_notebook_that_was_not_published(tmp_path):
    """on_post_build rewrites each published lab notebook into its self-contained form; a site
    without them (mkdocs-jupyter's include_source off) must fail, not publish labs without code."""
    built = SimpleNamespace(plugins={"i18n": SimpleNamespace(current_language="ko", building=False)},
                            site_dir=str(tmp_path), site_url="https://example.org/book/")
    with raises_guard("lab_notebook_not_published"):
        hooks.on_post_build(built)


@pytest.mark.guard("page_cannot_search_its_language")
def test_an_english_page_without_materials_config_script():
    """An English page searches en/search/search_index.json because on_post_page moves the base
    of Material's __config to en/ (book/search.py); a theme without that script must fail the
    build, not let English pages search the Korean index."""
    config_script = '<script id="__config" type="application/json">{"annotate": null, "base": "../..", "x": 1}</script>'
    english = hooks.on_post_page(f"<html><head></head><body>{config_script}</body></html>", page("rnn.en.md"),
                                 config("en"))
    assert '"base": "../../en/"' in english
    korean = f"<html><head></head><body>{config_script}</body></html>"
    assert hooks.on_post_page(korean, page("rnn.ko.md"), config("ko")) == korean
    with raises_guard("page_cannot_search_its_language"):
        hooks.on_post_page("<html><head></head><body>no config</body></html>", page("rnn.en.md"), config("en"))
