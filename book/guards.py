"""Every build guard in one list: each makes `mkdocs build --strict` fail instead of publishing
something wrong.

    name     the guard's id; its planted-fault test carries `@pytest.mark.guard("<name>")`
    source   the file that holds the guard (hooks.py, a module of book/, or mkdocs.yml)
    text     a literal fragment of that file: part of the message the failing build prints
             or, where printed=False, the setting or code that is the guard

tests/test_guard_registry.py fails when a guard here has no planted-fault test, when its text
is not in its source, or when hooks.py or a module of book/ raises a build error
(`PluginError(...)`, `problems.append(...)`) that no guard here names.

Adding a guard: one entry here, and one test that plants the fault and expects the failure,
marked `@pytest.mark.guard("<name>")`. A fault that needs a whole site goes to
tests/test_build_guards.py (a full strict build, ~20 s); one that a hook function or
`check_site` shows on its own goes to tests/test_guard_units.py (milliseconds).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Guard:
    name: str
    source: str
    text: str
    printed: bool = True  # the failing build's log contains text


GUARDS = (
    # pages and languages (hooks.py on_files, on_page_markdown, on_post_build)
    Guard("page_language_suffix", "hooks.py", "a page needs a language suffix"),
    Guard("page_without_twin", "hooks.py", "has no twin"),
    Guard("formulas_differ_between_languages", "hooks.py", "formulas differ between ko"),
    Guard("formula_on_another_page", "hooks.py", "belongs on page"),
    Guard("avoided_korean_term", "hooks.py", "(book/glossary.yml)"),
    Guard("math_in_heading", "hooks.py", "no math in headings"),
    # directives
    Guard("unknown_directive", "hooks.py", "unknown directive ::"),
    Guard("unknown_formula_id", "hooks.py", "unknown formula id"),
    Guard("code_given_a_formula_id", "hooks.py", "is a formula, write ::formula"),
    Guard("code_section_not_unique", "hooks.py", "expected one snippet section of that name"),
    Guard("unknown_figure", "hooks.py", ".py has: "),
    Guard("worked_example_raises", "hooks.py", "the worked example"),
    Guard("numpy_and_torch_differ", "hooks.py", "NumPy and PyTorch differ"),
    Guard("exercise_wrong_answer", "book/exercises.py", "the solution computes"),
    Guard("unknown_exercise_id", "book/exercises.py", "unknown exercise id"),
    Guard("example_script_raises", "book/examples.py", "raised"),
    Guard("stale_experiment_results", "book/experiment.py", "is stale"),
    Guard("missing_experiment_results", "book/experiment.py", "does not exist: run"),
    Guard("stale_gpu_results", "book/speed.py", "is stale: computed from digest"),
    Guard("gpu_results_edited_by_hand", "book/speed.py", "does not follow"),
    Guard("stale_scan_results", "book/scan_speed.py", "is stale: recorded digest"),
    # math
    Guard("display_math_without_code_link", "hooks.py", "display formula"),
    Guard("katex_cannot_render", "book/katex.py", "KaTeX cannot render"),
    # notebooks
    Guard("notebook_display_math", "hooks.py", "display math in a notebook has no code link"),
    Guard("notebook_headings_and_toc_differ", "hooks.py", "table-of-contents entries"),
    Guard("failing_notebook_cell", "mkdocs.yml", "allow_errors: false", printed=False),
    Guard("stale_notebook_cache", "book/buildcache.py", "def notebook_inputs", printed=False),
    Guard("lab_notebook_not_published", "hooks.py", "publishing the lab notebooks"),
    # snippets and Markdown links (pymdownx.snippets and MkDocs, strict by mkdocs.yml and --strict)
    Guard("missing_snippet_section", "mkdocs.yml", "check_paths: true", printed=False),
    Guard("broken_markdown_link", "Makefile", "mkdocs build --strict", printed=False),
    Guard("broken_markdown_anchor", "mkdocs.yml", "anchors: warn", printed=False),
    # the built site (book/site_check.py, called by hooks.py on_post_build)
    Guard("remote_asset", "book/site_check.py", "from another host"),
    Guard("protocol_relative_asset", "book/site_check.py", 'url.startswith("//")', printed=False),
    Guard("remote_asset_in_inline_css", "book/site_check.py", "inline CSS loads"),
    Guard("remote_asset_in_css_file", "book/site_check.py", ": loads "),
    Guard("link_outside_base_path", "book/site_check.py", "lies outside the site's base path"),
    Guard("link_to_missing_file", "book/site_check.py", "points to a missing file"),
    Guard("link_to_missing_anchor", "book/site_check.py", "points to a missing anchor"),
    # search (book/search.py, called by hooks.py on_post_page)
    Guard("page_cannot_search_its_language", "book/search.py", "no Material __config with a base"),
)

# Messages that only gather the problems of the guards above into one build error.
WRAPPERS = ("Every page exists in Korean and English:", "The built site has problems:")


def guard(name):
    """The guard of that name (KeyError for an unknown one)."""
    for entry in GUARDS:
        if entry.name == name:
            return entry
    raise KeyError(f"no build guard {name!r} in book/guards.py")
