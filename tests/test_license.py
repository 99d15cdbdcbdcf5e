"""Licenses a student can rely on: MIT-0 for code (in every snippet file), CC BY 4.0 for
text and figures, both named in LICENSE, the README and every page's footer."""

import ast
import re

import pytest

from .sitebuild import ROOT, shared_build

SNIPPETS = sorted((ROOT / "snippets").glob("*.py"))
HEADER = re.compile(r"\A# SPDX-License-Identifier: MIT-0\n# Copyright \d{4} .+\n")


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.name)
def test_every_snippet_file_starts_with_its_spdx_header_and_then_its_docstring(path):
    text = path.read_text(encoding="utf-8")
    assert HEADER.match(text), f"{path.name} must start with '# SPDX-License-Identifier: MIT-0' and a copyright line"
    if path.name != "__init__.py":
        rest = text[HEADER.match(text).end():]
        assert rest.startswith('"""') and ast.get_docstring(ast.parse(text)), f"{path.name}: docstring right after"


def test_license_files_split_code_and_text():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT-0" in license_text and "CC-BY-4.0" in license_text and "snippets/" in license_text
    assert (ROOT / "LICENSES" / "MIT-0.txt").read_text(encoding="utf-8").startswith("MIT No Attribution")
    cc = (ROOT / "LICENSES" / "CC-BY-4.0.txt").read_text(encoding="utf-8")
    assert cc.startswith("Attribution 4.0 International") and "Section 8 -- Interpretation." in cc
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## License" in readme and "LICENSES/MIT-0.txt" in readme and "LICENSES/CC-BY-4.0.txt" in readme


@pytest.mark.site
@pytest.mark.xdist_group("site")
@pytest.mark.parametrize(("prefix", "words"), [("", ("글과 그림", "코드")), ("en/", ("Text and figures", "Code"))])
def test_footer_names_both_licenses_in_the_page_language(tmp_path_factory, prefix, words):
    site = shared_build(tmp_path_factory, "site")[1]
    for page in [site / prefix / "index.html", site / prefix / "lstm" / "forget-gate" / "index.html"]:
        footer = re.search(r'<div class="md-copyright__highlight">(.*?)</div>', page.read_text(encoding="utf-8"),
                           re.DOTALL)
        assert footer, f"no copyright in the footer of {page}"
        text = footer.group(1)
        assert all(w in text for w in words), text
        assert ">CC BY 4.0</a>" in text and ">MIT-0</a>" in text
