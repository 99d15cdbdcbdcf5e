"""The compact 'verified' line (book/verified.py) and prose that teaches instead of naming tests."""

import re

from book import verified
from hooks import DOCS


def test_a_formula_names_the_numpy_torch_comparison_and_the_claims_that_use_it():
    found = verified.tests_for("gru_hidden_state", formula=True)
    assert ("test_numpy_equals_torch", found["test_formulas.py"][0][1]) == found["test_formulas.py"][0]
    assert "test_gru_one_gate_plays_forget_and_input" in [t for t, _ in found["test_claims.py"]]


def test_a_code_section_names_its_tests_and_links_them_by_line():
    html = verified.line("lstm_forget_bias_one", "ko")
    assert html.startswith('<p class="verified" data-search-exclude>') and "검증" in html
    link = re.search(r'href="([^"]+/tests/test_forget_bias\.py#L(\d+))"', html)
    source = (verified.TESTS / "test_forget_bias.py").read_text(encoding="utf-8").splitlines()
    assert link and source[int(link.group(2)) - 1].lstrip().startswith("def test_")
    assert link.group(1).startswith(verified.repository() + "/blob/main/tests/")


def test_names_no_test_uses_get_no_line_and_build_tests_are_not_listed():
    assert verified.line("no_such_snippet_section", "en") == ""
    assert not set(verified.tests_for("lstm_forget_gate", formula=True)) & verified.BUILD_TESTS


def test_no_page_names_a_test_function_in_its_prose():
    """Tests are named by the verified line under each formula and code section, not in paragraphs."""
    named = [f"{page.relative_to(DOCS)}:{n}" for page in sorted(DOCS.rglob("*.md"))
             for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1) if "`test_" in line]
    assert not named, named
