"""The compact "verified" line under each formula, code section and plot.

The book promises that every formula and every piece of code shown is tested. The prose does
not repeat that promise paragraph by paragraph; instead the build writes one small line under
each `::formula`, `::code` and `::plot`, naming the test files that exercise it and linking
each to the first such test in the repository. The line is found, at build time, by reading
`tests/`: a test exercises a name when the name appears in the test function (or in its
decorators), and every formula is also checked NumPy against PyTorch by
`tests/test_formulas.py::test_numpy_equals_torch`, parametrized over book/formulas.yml.
So the line cannot drift from the tests: rename or delete a test and the line changes.

    line(name, lang, formula=False) -> HTML ('' when no test names it)
"""

import ast
import functools
import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
LABELS = {"ko": ("검증", "이 이름을 쓰는 테스트"), "en": ("Verified by", "tests that use this name")}
FORMULA_TEST = ("test_formulas.py", "test_numpy_equals_torch")
# Tests of the build itself (planted faults, the site, the browser, the workflow) name formulas
# and snippets as material, not to check them: they are not listed.
BUILD_TESTS = {"test_build_guards.py", "test_guard_units.py", "test_guard_registry.py", "test_site.py",
               "test_rebuild.py", "test_browser.py", "test_accessibility.py", "test_korean_site.py",
               "test_orthography.py", "test_experiment.py", "test_workflow.py", "test_license.py",
               "test_xdist_groups.py", "test_snippet_files.py", "test_labs_anywhere.py", "test_gpu_speed.py",
               "test_verified.py"}


def repository():
    """The repository's address, from mkdocs.yml's repo_url (the tests are linked there)."""
    match = re.search(r"^repo_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).rstrip("/") if match else ""


def _stamp():
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(TESTS.glob("test_*.py"))
                 if p.name not in BUILD_TESTS)


@functools.cache
def _index(stamp):
    """[(file, test name, first line, source text)] of every test function in tests/."""
    tests = []
    for name, _, _ in stamp:
        source = (TESTS / name).read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                tests.append((name, node.name, node.lineno, "\n".join(lines[first - 1:node.end_lineno])))
    return tests


def tests_for(name, formula=False):
    """{file: [(test, line), ...]} of the tests that exercise `name`, in file order."""
    word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    found = {}
    for file, test, lineno, text in _index(_stamp()):
        if (formula and (file, test) == FORMULA_TEST) or word.search(text):
            found.setdefault(file, []).append((test, lineno))
    return found


def line(name, lang, formula=False):
    """The verified line of `name` in the page's language, or '' when no test uses the name."""
    found = tests_for(name, formula)
    if not found:
        return ""
    label, title = LABELS[lang]
    base = repository()
    links = []
    for file, tests in found.items():
        test, lineno = tests[0]
        names = html.escape(", ".join(t for t, _ in tests))
        count = f" ×{len(tests)}" if len(tests) > 1 else ""
        links.append(f'<a href="{base}/blob/main/tests/{file}#L{lineno}" title="{names}">{file}</a>{count}')
    return (f'<p class="verified" data-search-exclude><span aria-hidden="true">✓</span> {label}: '
            + " · ".join(links) + "</p>\n")
