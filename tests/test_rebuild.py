"""A `mkdocs serve` rebuild writes the same site as a cold build, and redoes only what an edit changes.

One driver process (this file, run as a script in a copy of the repository) builds the site
the way `mkdocs serve` does, several times in one interpreter (book/buildcache.py keeps its
caches between builds):

    cold      nothing cached in memory (the notebook cache on disk is the working tree's)
    prose     after one Korean sentence is added: warm rebuild
    snippet   after a comment is added inside a section of snippets/gru_numpy.py: warm rebuild
    reference the same files, built uncached as CI builds (BOOK_NOTEBOOK_CACHE=off: every
              module imported afresh, every page converted, every notebook executed)
    coarse    planted fault: page HTML keyed without the files that `--8<--` includes; both
              edits reverted, a comment added to snippets/rnn_numpy.py, rebuilt, the comment
              removed, rebuilt: compared with `cold`
    fine      planted fault: page HTML keyed on something new every build; warm rebuild

and writes what each build re-ran and which files of two sites differ to a JSON report that
the tests below read (one driver run, about a minute, shared by all of them).
"""

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("rebuild")

ROOT = Path(__file__).resolve().parents[1]
PROSE = "docs/notation.ko.md"
SNIPPET = "snippets/gru_numpy.py"
SECTION = "# --8<-- [start:gru_reset_gate]\n"
PLANTED = "snippets/rnn_numpy.py"
PLANTED_SECTION = "# --8<-- [start:rnn_hidden_state]\n"
SERVE_URL = "http://127.0.0.1:8000/"
PAGES = len(list((ROOT / "docs").rglob("*.md")))  # Markdown pages, both languages


# ------------------------------------------------------------------------- the driver

def notebook_text(path):
    """A notebook page's text without its tags. Executing a notebook twice may split what a
    cell prints into stream outputs differently (the kernel batches them by timing): the
    same text in other <pre> blocks, numbered otherwise. Nothing else may differ."""
    text = re.sub(r"<[^>]+>", " ", Path(path).read_text(encoding="utf-8"))
    return " ".join(text.split())


def untimed_text(path):
    """The speed chapter without the CPU times its build measured (book/speed.py times the
    snippets at every uncached build, so two builds print other milliseconds and ratios)."""
    text = Path(path).read_text(encoding="utf-8")
    return re.sub(r"\d+\.\d+ ms|\d+\.\d+×", "#", text)


def differing_files(left, right):
    """Relative paths of the files that differ between two site folders, or exist in one only
    (notebook pages, labs/*/index.html, compared by notebook_text)."""
    found = []

    def walk(comparison, prefix):
        found.extend(prefix + name for name in comparison.left_only + comparison.right_only + comparison.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files,
                                               shallow=False)
        mismatch = [name for name in mismatch if not (
            re.search(r"(^|/)labs/[^/]+/$", prefix) and name == "index.html"
            and notebook_text(Path(comparison.left, name)) == notebook_text(Path(comparison.right, name)))]
        mismatch = [name for name in mismatch if not (
            re.search(r"(^|/)speed/$", prefix) and name == "index.html"
            and untimed_text(Path(comparison.left, name)) == untimed_text(Path(comparison.right, name)))]
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return sorted(found)


def _drive(project, out):
    """Build `project` as described in the module docstring; write the report to `out`."""
    os.chdir(project)
    sys.path.insert(0, str(project))
    os.environ.update(NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1767225600")  # no build date in the site
    os.environ.pop("BOOK_NOTEBOOK_CACHE", None)
    os.environ.pop("BOOK_BUILD_CACHE", None)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from book import buildcache

    sites = project.parent / "sites"
    report = {}

    def serve_build(name, *, published=False):
        """One build as `mkdocs serve` makes it: config loaded again, hooks.py loaded again."""
        if published:
            buildcache.clear()
            os.environ["BOOK_NOTEBOOK_CACHE"] = "off"
        try:
            config = load_config(config_file="mkdocs.yml", site_dir=str(sites / name))
            config.site_url = SERVE_URL
            start = time.perf_counter()
            build(config, serve_url=SERVE_URL)
            seconds = time.perf_counter() - start
        finally:
            os.environ.pop("BOOK_NOTEBOOK_CACHE", None)
        report[name] = {**{k: v for k, v in buildcache.stats.items()}, "seconds": round(seconds, 2),
                        "stale_references": buildcache.stale_references()}

    prose, snippet = project / PROSE, project / SNIPPET
    originals = {path: path.read_text(encoding="utf-8") for path in (prose, snippet)}
    serve_build("cold")
    prose.write_text(originals[prose] + "\n다시 빌드해도 같은 사이트가 나와야 합니다.\n", encoding="utf-8")
    serve_build("prose")
    assert SECTION in originals[snippet]
    snippet.write_text(originals[snippet].replace(
        SECTION, SECTION + "# rebuild test: shown on the reset gate pages\n"), encoding="utf-8")
    serve_build("snippet")
    serve_build("reference", published=True)
    report["diff_snippet_reference"] = differing_files(sites / "snippet", sites / "reference")

    # Planted faults: a key too coarse must show as a stale site, a key too fine as no reuse.
    # (snippets/rnn_numpy.py: the rnn page shows it, no notebook imports it.)
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")
    planted = project / PLANTED
    planted_original = planted.read_text(encoding="utf-8")
    assert PLANTED_SECTION in planted_original
    keyed_on_included = buildcache._included_files
    buildcache._included_files = lambda markdown: "" if keyed_on_included(markdown) is not None else None
    try:
        planted.write_text(planted_original.replace(PLANTED_SECTION, PLANTED_SECTION + "# planted\n"),
                           encoding="utf-8")
        serve_build("coarse_edited")  # stores the edited page under a key that ignores the file...
        planted.write_text(planted_original, encoding="utf-8")
        serve_build("coarse")  # ...and finds it again once the edit is undone
    finally:
        buildcache._included_files = keyed_on_included
    report["diff_coarse_cold"] = differing_files(sites / "coarse", sites / "cold")
    page_key = buildcache._page_key
    buildcache._page_key = lambda *args: (page_key(*args) or "") + str(time.perf_counter_ns())
    try:
        serve_build("fine")
    finally:
        buildcache._page_key = page_key
    report["diff_fine_cold"] = differing_files(sites / "fine", sites / "cold")
    Path(out).write_text(json.dumps(report, indent=1), encoding="utf-8")


# -------------------------------------------------------------------------- the tests

@pytest.fixture(scope="session")  # not module: pytest-xdist may interleave this file's tests with others
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("rebuild")
    project = base / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "site", ".cache", "test-artifacts", "__pycache__", ".pytest_cache"))
    (project / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    notebooks = ROOT / ".cache" / "mkdocs-jupyter"
    if notebooks.is_dir():  # keyed on the notebook and the snippets it imports: valid in the copy
        shutil.copytree(notebooks, project / ".cache" / "mkdocs-jupyter")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    out = base / "report.json"
    result = subprocess.run([sys.executable, str(project / "tests" / "test_rebuild.py"), str(project), str(out)],
                            cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_warm_rebuild_writes_the_site_a_cold_uncached_build_writes(report):
    assert report["reference"]["reused"] == 0 and report["reference"]["converted"] == PAGES
    assert report["diff_snippet_reference"] == []


def test_a_prose_edit_converts_one_page_and_reruns_no_code(report):
    prose = report["prose"]
    assert prose["converted_pages"] == ["notation.ko.md"]
    assert prose["reused"] == PAGES - 1 and prose["reloaded"] == [] and prose["executed"] == []
    assert prose["indexed"] <= 2  # the edited page, and at most the page listing every page


def test_a_snippet_edit_reruns_only_what_uses_that_snippet(report):
    snippet = report["snippet"]
    converted = set(snippet["converted_pages"])
    assert {"gru/reset-gate.ko.md", "gru/reset-gate.en.md"} <= converted
    assert not converted & {"lstm/forget-gate.ko.md", "lstm/forget-gate.en.md", "notation.ko.md", "rnn.ko.md"}
    assert "snippets.gru_numpy" in snippet["reloaded"]
    assert not {"snippets.lstm_numpy", "snippets.lstm_torch", "snippets.gru_torch", "book.plots"} & set(
        snippet["reloaded"])
    assert sorted(snippet["executed"]) == ["gru.en.ipynb", "gru.ko.ipynb"]  # the labs that import it


def test_no_module_keeps_an_old_copy_of_a_re_imported_module(report):
    assert all(build["stale_references"] == [] for build in report.values() if isinstance(build, dict))


def test_a_cache_keyed_too_coarsely_is_caught_as_a_stale_page(report):
    """Planted: page HTML keyed without the included snippet files serves the undone edit."""
    assert {"rnn/index.html", "en/rnn/index.html"} <= set(report["diff_coarse_cold"])


def test_a_cache_keyed_too_finely_is_caught_as_no_reuse(report):
    """Planted: a key that changes every build reuses nothing (the site is still right)."""
    assert report["fine"]["reused"] == 0 and report["fine"]["converted"] == PAGES
    assert report["diff_fine_cold"] == []


if __name__ == "__main__":
    _drive(Path(sys.argv[1]).resolve(), sys.argv[2])
