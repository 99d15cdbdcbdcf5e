"""Korean in the built site: bold before an attached particle still renders bold
(pymdownx.betterem stays plain), and the stylesheet that breaks lines between words is served."""

import re

import pytest

from .sitebuild import ROOT, shared_build

pytestmark = [pytest.mark.site, pytest.mark.xdist_group("site")]
BOLD_THEN_PARTICLE = re.compile(r"\*\*([\uac00-\ud7a3 ]+)\*\*([\uac00-\ud7a3])")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return shared_build(tmp_path_factory, "site")[1]


def test_bold_followed_by_a_particle_renders_bold(site):
    checked = 0
    for source in sorted((ROOT / "docs").rglob("*.ko.md")):
        page = source.relative_to(ROOT / "docs").as_posix().removesuffix(".ko.md").removesuffix("index")
        html = (site / page / "index.html" if page else site / "index.html").read_text(encoding="utf-8")
        for words, particle in BOLD_THEN_PARTICLE.findall(source.read_text(encoding="utf-8")):
            assert f"<strong>{words}</strong>{particle}" in html, f"{source.name}: **{words}**{particle} not bold"
            checked += 1
    assert checked >= 5  # e.g. **출력 게이트**는, **셀 상태**라고도


def test_korean_pages_link_the_typography_stylesheet(site):
    css = (site / "assets" / "typography.css").read_text(encoding="utf-8")
    assert re.search(r'html\[lang="ko"\] body \{[^}]*word-break: keep-all', css)
    assert '"Apple SD Gothic Neo", "Malgun Gothic"' in css and "url(" not in css  # system fonts only
    assert 'href="assets/typography.css"' in (site / "index.html").read_text(encoding="utf-8")
