"""Planted faults: each one must make `mkdocs build --strict` fail, with a message saying why.

Each test is marked with the guard of book/guards.py it proves; the faults a hook function or
the site check shows on their own, without a site, are in tests/test_guard_units.py.

Every test copies the working tree, plants one fault and builds. The copies start from the
session's shared build ("site"), whose notebook cache is warm, so the stale-cache test can show
that a changed snippet re-executes the notebooks instead of publishing cached output.

A full strict build of both languages takes most of a minute of CPU here, so each fault is
planted where the build meets it soonest, and no test pays for pages it does not need:

* A fault that stops the build on one page goes into the earliest page that shows its guard:
  MkDocs reads the Korean pages first, in the order glossary, index, modules, notation, rnn,
  backprop/, experiments/, gru/, labs/, lstm/ (then English, inside i18n's on_post_build), and
  the build stops at the first PluginError. The same hook function raises on every page and in
  both languages (tests/test_guard_units.py shows each on an English page), so the page it
  stops on changes the cost, not what is caught.
* A fault that only a page late in that order shows (the lab notebooks, the experiment chapter)
  is planted in a tree reduced to that page (sitebuild.reduce_docs); assert_stops_at shows
  that the build stopped at the fault, before the site checks a reduced tree would fail.
* The faults that on_post_build gathers into one error (the site check, the formula
  catalogue) share one full build, and so do the two faults that only strict mode turns into a
  failure (MkDocs warnings): each is still named in the error, or counted in the warnings,
  that fails that build.
* The control (an unchanged copy builds green) stays a full build.
"""

import json
import re
import shutil

import pytest

from book.guards import guard

from .sitebuild import build, copy_repository, reduce_docs, shared_build

pytestmark = [pytest.mark.faults]


@pytest.fixture(scope="session")
def warm_project(tmp_path_factory):
    """A copy of the repository whose cached build passed (its notebook cache is warm)."""
    return shared_build(tmp_path_factory, "site")[0]


def copy_warm(warm_project, target):
    shutil.copytree(warm_project, target, symlinks=True, ignore=shutil.ignore_patterns("site"))
    return target


@pytest.fixture
def project(warm_project, tmp_path):
    return copy_warm(warm_project, tmp_path / "project")


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
    return log


def assert_guard_fails(name, project, tmp_path, *messages):
    """The build fails with the message of guard `name` of book/guards.py (if it prints one)."""
    entry = guard(name)
    return assert_fails(project, tmp_path, *([entry.text] if entry.printed else []), *messages)


def assert_stops_at(project, tmp_path, *messages):
    """On a reduced tree: the build fails with `messages` and stopped there, with an error on a
    page (MkDocs' "Error reading page"), before on_post_build's site checks and the count of
    strict mode's warnings, either of which the reduced tree alone would fail."""
    log = assert_fails(project, tmp_path, *messages)
    assert "Error reading page" in log, f"the build did not stop on a page:\n{log[-4000:]}"
    assert "The built site has problems" not in log, f"the build went on to the site checks:\n{log[-4000:]}"
    assert not re.search(r"Aborted with \d+ warnings", log), f"the build went on to the end:\n{log[-4000:]}"
    return log


# ------------------------------------------------- faults that stop the build on an early page

@pytest.mark.guard("worked_example_raises")
def test_a_snippet_raising_on_its_worked_example_fails_the_build(project, tmp_path):
    """Only the worked example meets the fault (a snippet raising everywhere would fail the
    notebooks first, and the guard of the worked examples would go unproven). The formula is
    rnn_hidden_state_relu, on the modules page (the third page built)."""
    replace(project / "book/formulas.yml",  # the last example of rnn_hidden_state_relu
            "    - {Wx: [[0.5, -1.0, 2.0]], Wh: [[0.1, 0.3, -0.5]]}\n\nlstm_projection:",
            "    - {Wx: [[0.5, -1.0, 2.0]], Wh: [[0.1, 0.3]]}\n\nlstm_projection:")
    assert_guard_fails("worked_example_raises", project, tmp_path, "formula rnn_hidden_state_relu",
                       "raised ValueError")


@pytest.mark.guard("numpy_and_torch_differ")
def test_numpy_and_torch_disagreeing_fails_the_build(project, tmp_path):
    # the NumPy side: the torch snippets are what the experiment's results were computed from
    replace(project / "snippets/rnn_numpy.py", "    return np.maximum(Wx + Wh, 0)\n",
            "    return np.maximum(Wx + Wh, 0) * 0.999\n")
    assert_guard_fails("numpy_and_torch_differ", project, tmp_path,
                       "rnn_hidden_state_relu: NumPy and PyTorch differ")


@pytest.mark.guard("missing_snippet_section")
def test_a_missing_snippet_section_fails_the_build(project, tmp_path):
    """::code checks the NumPy file's sections; pymdownx.snippets (check_paths) the PyTorch one's."""
    replace(project / "snippets/lstm_torch.py", "# --8<-- [start:lstm_layers]", "# (section marker removed)")
    replace(project / "snippets/lstm_torch.py", "# --8<-- [end:lstm_layers]", "# (section marker removed)")
    assert_guard_fails("missing_snippet_section", project, tmp_path, "lstm_layers")


@pytest.mark.guard("unknown_formula_id")
def test_an_unknown_formula_id_fails_the_build(project, tmp_path):
    append(project / "docs/index.en.md", "\n::formula lstm_forgot_gate\n")
    append(project / "docs/index.ko.md", "\n::formula lstm_forgot_gate\n")
    assert_guard_fails("unknown_formula_id", project, tmp_path, "unknown formula id 'lstm_forgot_gate'")


@pytest.mark.guard("display_math_without_code_link")
def test_a_display_formula_without_code_link_fails_the_build(project, tmp_path):
    append(project / "docs/index.ko.md", "\n$$\nc_t = c_{t-1}\n$$\n")
    assert_guard_fails("display_math_without_code_link", project, tmp_path, "has no code link")


@pytest.mark.guard("page_without_twin")
def test_a_page_without_its_twin_fails_the_build(project, tmp_path):
    (project / "docs/notation.en.md").unlink()
    assert_guard_fails("page_without_twin", project, tmp_path, "notation.ko.md has no twin notation.en.md")


@pytest.mark.guard("avoided_korean_term")
def test_an_avoided_korean_term_fails_the_build(project, tmp_path):
    append(project / "docs/index.ko.md", "\n삭제 게이트라고도 합니다.\n")
    assert_guard_fails("avoided_korean_term", project, tmp_path, "write '망각 게이트', not '삭제 게이트'")


@pytest.mark.guard("math_in_heading")
def test_math_in_a_heading_fails_the_build(project, tmp_path):
    append(project / "docs/index.ko.md", "\n## 게이트 $z$ { #planted }\n")
    assert_guard_fails("math_in_heading", project, tmp_path, "no math in headings")


@pytest.mark.guard("code_given_a_formula_id")
def test_code_given_a_formula_id_fails_the_build(project, tmp_path):
    """::code with a formula id: its code anchor would clash with the formula's own #id."""
    for lang in ("ko", "en"):
        append(project / f"docs/index.{lang}.md", "\n::code lstm_forget_gate\n")
    assert_guard_fails("code_given_a_formula_id", project, tmp_path, "write ::formula lstm_forget_gate")


@pytest.mark.guard("example_script_raises")
def test_a_raising_example_script_fails_the_build(project, tmp_path):
    replace(project / "examples/state_dict_to_numpy.py", "lstm_layers(x.numpy(), params,",
            "lstm_layers(x.numpy()[..., :2], params,")
    assert_guard_fails("example_script_raises", project, tmp_path, "example state_dict_to_numpy raised ValueError",
                       "weight_ih_l0 has shape (16, 3) but expected (16, 2)")


# --------------------------------------- faults on a late page, planted in a reduced tree

@pytest.mark.guard("failing_notebook_cell")
def test_a_failing_notebook_cell_fails_the_build(project, tmp_path):
    reduce_docs(project, ["labs/gru"])
    path = project / "docs/labs/gru.en.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "id": "planted", "metadata": {},
                              "outputs": [], "source": "raise ValueError('planted cell failure')"})
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert_stops_at(project, tmp_path, "labs/gru.en.ipynb", "planted cell failure")


@pytest.mark.guard("stale_notebook_cache")
def test_a_changed_snippet_is_never_served_from_the_notebook_cache(project, tmp_path):
    """mkdocs-jupyter keys its cache on the notebook's bytes only. A bug planted in code the
    notebooks import (and no formula example uses) must still fail the warm, cached build.
    (The labs alone: the cache is keyed per language and snippet content, not per page set.)"""
    reduce_docs(project, ["labs/lstm", "labs/gru"])
    replace(project / "snippets/lstm_numpy.py", "        y[t] = h\n", "        y[t] = h * 1.001\n")
    assert_stops_at(project, tmp_path, "AssertionError")


# ------------------------------------------- faults that share one full build each

POST_BUILD_FAULTS = {  # guard: the line of on_post_build's error that names it
    "formulas_differ_between_languages": "lstm/output-gate: formulas differ between ko",
    "formula_on_another_page": "formula lstm_forget_gate belongs on page lstm/forget-gate",
    "link_to_missing_anchor": "<a href='../lstm/forget-gate/#no_such_formula'> points to a missing anchor",
    "remote_asset": "loads https://example.com/tracker.png from another host",
}


@pytest.fixture(scope="module")
def post_build_error(warm_project, tmp_path_factory):
    """One full build with four faults that on_post_build gathers into one error; they touch
    different pages and different checks, so none hides another. Returns that error's text."""
    tmp_path = tmp_path_factory.mktemp("post-build-faults")
    project = copy_warm(warm_project, tmp_path / "project")
    # formulas_differ_between_languages: the English page drops a formula
    replace(project / "docs/lstm/output-gate.en.md", "::formula lstm_hidden_state", "")
    # formula_on_another_page: both languages (so only the catalogue page is wrong)
    for lang in ("ko", "en"):
        append(project / f"docs/rnn.{lang}.md", "\n::formula lstm_forget_gate\n")
    # link_to_missing_anchor: MkDocs validates Markdown links only; the site check covers raw HTML
    append(project / "docs/glossary.en.md", '\n<p><a href="../lstm/forget-gate/#no_such_formula">x</a></p>\n')
    # remote_asset
    append(project / "docs/index.en.md", '\n<img src="https://example.com/tracker.png" alt="x">\n')
    log = assert_fails(project, tmp_path, "The built site has problems:")
    return log[log.index("The built site has problems:"):]


@pytest.mark.xdist_group("post_build_faults")
@pytest.mark.guard("formulas_differ_between_languages")
def test_formulas_drifting_between_languages_fail_the_build(post_build_error):
    assert POST_BUILD_FAULTS["formulas_differ_between_languages"] in post_build_error, post_build_error


@pytest.mark.xdist_group("post_build_faults")
@pytest.mark.guard("formula_on_another_page")
def test_a_formula_shown_off_its_catalogue_page_fails_the_build(post_build_error):
    assert POST_BUILD_FAULTS["formula_on_another_page"] in post_build_error, post_build_error
    (line,) = [line for line in post_build_error.splitlines() if "formula lstm_forget_gate belongs" in line]
    assert "'rnn'" in line and "'lstm/forget-gate'" in line, line


@pytest.mark.xdist_group("post_build_faults")
@pytest.mark.guard("link_to_missing_anchor")
def test_a_broken_link_in_generated_html_fails_the_build(post_build_error):
    assert POST_BUILD_FAULTS["link_to_missing_anchor"] in post_build_error, post_build_error


@pytest.mark.xdist_group("post_build_faults")
@pytest.mark.guard("remote_asset")
def test_an_asset_from_another_host_fails_the_build(post_build_error):
    assert POST_BUILD_FAULTS["remote_asset"] in post_build_error, post_build_error


@pytest.fixture(scope="module")
def warnings_log(warm_project, tmp_path_factory):
    """One full build with the two faults that MkDocs reports as warnings, which strict mode
    turns into a failure at the end of a language's build: a broken link and a broken anchor.
    Both are on an English page: the English build (nested in the Korean one's on_post_build)
    counts both and aborts before the site check of on_post_build, which would also catch them
    in the HTML. (On a Korean page the site check would fail the build first.)"""
    tmp_path = tmp_path_factory.mktemp("warning-faults")
    project = copy_warm(warm_project, tmp_path / "project")
    append(project / "docs/notation.en.md", "\nSee [the missing page](lstm/no-such-page.md).\n")
    append(project / "docs/notation.en.md", "\nSee [a missing anchor](rnn.md#no-such-anchor).\n")
    return assert_fails(project, tmp_path, "Aborted with 2 warnings in strict mode!")


def warning_lines(log):
    return [line for line in log.splitlines() if line.startswith("WARNING")]


@pytest.mark.xdist_group("warning_faults")
@pytest.mark.guard("broken_markdown_link")
def test_a_broken_link_fails_the_build(warnings_log):
    """Strict mode failed on exactly two warnings, and this fault is one of them."""
    assert [line for line in warning_lines(warnings_log) if "no-such-page.md" in line], warnings_log[-3000:]


@pytest.mark.xdist_group("warning_faults")
@pytest.mark.guard("broken_markdown_anchor")
def test_a_broken_anchor_fails_the_build(warnings_log):
    """Strict mode failed on exactly two warnings, and this fault is one of them."""
    assert [line for line in warning_lines(warnings_log) if "no-such-anchor" in line], warnings_log[-3000:]


# ------------------------------------------------------------------------------ the control

def test_the_unchanged_copy_builds(project, tmp_path):
    """The control for every test above: without a fault, the same copy builds."""
    result = build(project, tmp_path / "site", cache=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def test_copy_repository_leaves_out_build_output(tmp_path):
    target = copy_repository(tmp_path / "copy")
    assert (target / "mkdocs.yml").exists() and not (target / ".git").exists()


def test_reduce_docs_keeps_the_named_pages_and_their_nav(tmp_path):
    target = reduce_docs(copy_repository(tmp_path / "copy"), ["labs/gru"])
    pages = sorted(p.relative_to(target / "docs").as_posix() for p in (target / "docs").rglob("*.*")
                   if p.suffix in {".md", ".ipynb"})
    assert pages == ["labs/gru.en.ipynb", "labs/gru.ko.ipynb"]
    config = (target / "mkdocs.yml").read_text(encoding="utf-8")
    assert config.endswith("nav:\n  - labs/gru.ipynb\n") and "plugins:" in config
    assert (target / "docs/assets/book.css").exists()
    with pytest.raises(AssertionError, match="no such pages"):
        reduce_docs(copy_repository(tmp_path / "again"), ["labs/no-such-lab"])
