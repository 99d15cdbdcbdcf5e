"""Planted faults: each one must make `mkdocs build --strict` fail, with a message saying why.

Each test is marked with the guard of book/guards.py it proves; the faults a hook function or
the site check shows on their own, without a site, are in tests/test_guard_units.py.

Every test copies the working tree, plants one fault and builds. The copies start from a
build with a warm notebook cache, so the stale-cache test can show that a changed snippet
re-executes the notebooks instead of publishing cached output.
"""

import json
import shutil

import pytest

from book.guards import guard

from .sitebuild import build, copy_repository, shared_build

pytestmark = [pytest.mark.faults]


@pytest.fixture(scope="session")
def warm_project(tmp_path_factory):
    """A copy of the repository whose cached build passed (its notebook cache is warm)."""
    return shared_build(tmp_path_factory, "warm", cache=True)[0]


@pytest.fixture
def project(warm_project, tmp_path):
    target = tmp_path / "project"
    shutil.copytree(warm_project, target, symlinks=True, ignore=shutil.ignore_patterns("site"))
    return target


def replace(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def assert_fails(project, tmp_path, *messages):
    result = build(project, tmp_path / "site", cache=True)
    log = result.stdout + result.stderr
    assert result.returncode != 0, f"the build passed despite the fault:\n{log[-3000:]}"
    for message in messages:
        assert message in log, f"{message!r} not in the build log:\n{log[-4000:]}"


def assert_guard_fails(name, project, tmp_path, *messages):
    """The build fails with the message of guard `name` of book/guards.py (if it prints one)."""
    entry = guard(name)
    assert_fails(project, tmp_path, *([entry.text] if entry.printed else []), *messages)


@pytest.mark.guard("worked_example_raises")
def test_a_snippet_raising_on_its_worked_example_fails_the_build(project, tmp_path):
    """Only the worked example meets the fault (a snippet raising everywhere would fail the
    notebooks first, and the guard of the worked examples would go unproven)."""
    replace(project / "book/formulas.yml", "    - {Wx_f: [[-4.0, 0.0, 4.0]], Wh_f: [[0.0, 0.0, 0.0]]}",
            "    - {Wx_f: [[-4.0, 0.0, 4.0]], Wh_f: [[0.0, 0.0]]}")
    assert_guard_fails("worked_example_raises", project, tmp_path, "formula lstm_forget_gate", "raised ValueError")


@pytest.mark.guard("numpy_and_torch_differ")
def test_numpy_and_torch_disagreeing_fails_the_build(project, tmp_path):
    # the NumPy side: the torch snippets are what the experiment's results were computed from
    replace(project / "snippets/gru_numpy.py", "    return (1 - z_t) * n_t + z_t * h_prev",
            "    return (1 - z_t) * n_t + z_t * h_prev * 0.999")
    assert_guard_fails("numpy_and_torch_differ", project, tmp_path, "gru_hidden_state: NumPy and PyTorch differ")


@pytest.mark.guard("failing_notebook_cell")
def test_a_failing_notebook_cell_fails_the_build(project, tmp_path):
    path = project / "docs/labs/gru.en.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "id": "planted", "metadata": {},
                              "outputs": [], "source": "raise ValueError('planted cell failure')"})
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert_guard_fails("failing_notebook_cell", project, tmp_path, "planted cell failure")


@pytest.mark.guard("missing_snippet_section")
def test_a_missing_snippet_section_fails_the_build(project, tmp_path):
    replace(project / "snippets/lstm_torch.py", "# --8<-- [start:lstm_cell]", "# (section marker removed)")
    replace(project / "snippets/lstm_torch.py", "# --8<-- [end:lstm_cell]", "# (section marker removed)")
    assert_guard_fails("missing_snippet_section", project, tmp_path, "lstm_cell")


@pytest.mark.guard("unknown_formula_id")
def test_an_unknown_formula_id_fails_the_build(project, tmp_path):
    append(project / "docs/rnn.en.md", "\n::formula lstm_forgot_gate\n")
    append(project / "docs/rnn.ko.md", "\n::formula lstm_forgot_gate\n")
    assert_guard_fails("unknown_formula_id", project, tmp_path, "unknown formula id 'lstm_forgot_gate'")


@pytest.mark.guard("broken_markdown_link")
def test_a_broken_link_fails_the_build(project, tmp_path):
    append(project / "docs/notation.en.md", "\nSee [the missing page](lstm/no-such-page.md).\n")
    assert_guard_fails("broken_markdown_link", project, tmp_path, "no-such-page.md")


@pytest.mark.guard("broken_markdown_anchor")
def test_a_broken_anchor_fails_the_build(project, tmp_path):
    append(project / "docs/notation.ko.md", "\n[없는 앵커](rnn.md#no-such-anchor)입니다.\n")
    assert_guard_fails("broken_markdown_anchor", project, tmp_path, "no-such-anchor")


@pytest.mark.guard("link_to_missing_anchor")
def test_a_broken_link_in_generated_html_fails_the_build(project, tmp_path):
    """MkDocs validates Markdown links only; the site check covers raw HTML and notebooks."""
    append(project / "docs/glossary.en.md", '\n<p><a href="../lstm/forget-gate/#no_such_formula">x</a></p>\n')
    assert_guard_fails("link_to_missing_anchor", project, tmp_path, "points to a missing anchor")


@pytest.mark.guard("display_math_without_code_link")
def test_a_display_formula_without_code_link_fails_the_build(project, tmp_path):
    append(project / "docs/lstm/index.en.md", "\n$$\nc_t = c_{t-1}\n$$\n")
    assert_guard_fails("display_math_without_code_link", project, tmp_path, "has no code link")


@pytest.mark.guard("page_without_twin")
def test_a_page_without_its_twin_fails_the_build(project, tmp_path):
    (project / "docs/notation.en.md").unlink()
    assert_guard_fails("page_without_twin", project, tmp_path, "notation.ko.md has no twin notation.en.md")


@pytest.mark.guard("formulas_differ_between_languages")
def test_formulas_drifting_between_languages_fail_the_build(project, tmp_path):
    replace(project / "docs/lstm/output-gate.en.md", "::formula lstm_hidden_state", "")
    assert_guard_fails("formulas_differ_between_languages", project, tmp_path,
                       "lstm/output-gate: formulas differ between ko")


@pytest.mark.guard("avoided_korean_term")
def test_an_avoided_korean_term_fails_the_build(project, tmp_path):
    append(project / "docs/lstm/forget-gate.ko.md", "\n삭제 게이트라고도 합니다.\n")
    assert_guard_fails("avoided_korean_term", project, tmp_path, "write '망각 게이트', not '삭제 게이트'")


@pytest.mark.guard("remote_asset")
def test_an_asset_from_another_host_fails_the_build(project, tmp_path):
    append(project / "docs/index.en.md", '\n<img src="https://example.com/tracker.png" alt="x">\n')
    assert_guard_fails("remote_asset", project, tmp_path, "loads https://example.com/tracker.png from another host")


@pytest.mark.guard("stale_notebook_cache")
def test_a_changed_snippet_is_never_served_from_the_notebook_cache(project, tmp_path):
    """mkdocs-jupyter keys its cache on the notebook's bytes only. A bug planted in code the
    notebooks import (and no formula example uses) must still fail the warm, cached build."""
    replace(project / "snippets/lstm_numpy.py", "        y[t] = h\n", "        y[t] = h * 1.001\n")
    assert_guard_fails("stale_notebook_cache", project, tmp_path, "AssertionError")


def test_the_unchanged_copy_builds(project, tmp_path):
    """The control for every test above: without a fault, the same copy builds."""
    result = build(project, tmp_path / "site", cache=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def test_copy_repository_leaves_out_build_output(tmp_path):
    target = copy_repository(tmp_path / "copy")
    assert (target / "mkdocs.yml").exists() and not (target / ".git").exists()


@pytest.mark.guard("math_in_heading")
def test_math_in_a_heading_fails_the_build(project, tmp_path):
    replace(project / "docs/gru/update-gate.en.md", "## A *z* that differs", "## A $z$ that differs")
    assert_guard_fails("math_in_heading", project, tmp_path, "no math in headings")


@pytest.mark.guard("code_given_a_formula_id")
def test_code_given_a_formula_id_fails_the_build(project, tmp_path):
    """::code with a formula id: its code anchor would clash with the formula's own #id."""
    for lang in ("ko", "en"):
        append(project / f"docs/rnn.{lang}.md", "\n::code lstm_forget_gate\n")
    assert_guard_fails("code_given_a_formula_id", project, tmp_path, "write ::formula lstm_forget_gate")


@pytest.mark.guard("formula_on_another_page")
def test_a_formula_shown_off_its_catalogue_page_fails_the_build(project, tmp_path):
    for lang in ("ko", "en"):  # both languages, so only the catalogue page is wrong
        append(project / f"docs/rnn.{lang}.md", "\n::formula lstm_forget_gate\n")
    assert_guard_fails("formula_on_another_page", project, tmp_path, "formula lstm_forget_gate belongs on page")


@pytest.mark.guard("example_script_raises")
def test_a_raising_example_script_fails_the_build(project, tmp_path):
    replace(project / "examples/state_dict_to_numpy.py", "lstm_layers(x.numpy(), params,",
            "lstm_layers(x.numpy()[..., :2], params,")
    assert_guard_fails("example_script_raises", project, tmp_path, "example state_dict_to_numpy raised ValueError",
                 "weight_ih_l0 has shape (16, 3) but expected (16, 2)")
