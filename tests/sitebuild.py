"""Building the site from tests: a copy of the working tree, a strict build, its output.

Shared by the site tests, the planted-fault tests and the browser tests. Under
pytest-xdist the workers share one built site through a file lock.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "node_modules", "site", ".cache", "test-artifacts",
                                     "__pycache__", ".pytest_cache", ".gl", ".whl")


def copy_repository(target):
    """The working tree without build output; node_modules is linked, not copied."""
    shutil.copytree(ROOT, target, ignore=COPY_IGNORE)
    (target / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return target


def reduce_docs(project, keep):
    """Leave only the pages `keep` (e.g. ["labs/gru"], both languages of each) in project/docs
    and in the nav of project/mkdocs.yml; assets and everything outside docs/ stay.

    For a planted fault that stops the build on one page: the pages before it in the build
    order (all of Korean, for a fault on an English page) are no longer built first. Such a
    tree cannot build green (the catalogue check of on_post_build wants every formula's page),
    so a test on it must show that the build stopped at its fault (see
    tests/test_build_guards.py::assert_stops_at)."""
    docs = project / "docs"
    kept = []
    for path in sorted(docs.rglob("*")):
        if path.suffix not in {".md", ".ipynb"}:
            continue
        stem = path.relative_to(docs).as_posix().rsplit(".", 2)[0]
        if stem in keep:
            kept.append(f"{stem}{path.suffix}")
        else:
            path.unlink()
    missing = set(keep) - {k.rsplit(".", 1)[0] for k in kept}
    assert not missing, f"no such pages in docs/: {sorted(missing)}"
    lines = (project / "mkdocs.yml").read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("nav:\n")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i][0].isspace()),
               len(lines))
    nav = ["nav:\n", *(f"  - {page}\n" for page in dict.fromkeys(kept))]
    (project / "mkdocs.yml").write_text("".join(lines[:start] + nav + lines[end:]), encoding="utf-8")
    return project


def build(project, site_dir, *, cache):
    """`mkdocs build --strict` in project; returns the CompletedProcess (never raises)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", BOOK_NOTEBOOK_CACHE="on" if cache else "off")
    env.pop("PYTHONPATH", None)
    return subprocess.run([*MKDOCS, "build", "--strict", "--site-dir", str(site_dir)], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def _session_dir(tmp_path_factory):
    """A folder of this test session that all xdist workers share: the parent of a worker's
    base temp (pytest-N/popen-gwK), or the base temp itself without xdist. (The parent of a
    plain session's pytest-N is pytest-of-<user>, shared by every session: a stale build.)"""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_build(tmp_path_factory, name, *, cache=True, prepare=None):
    """Build once per test session, whichever xdist worker comes first; return (project, site_dir).

    A failed build is remembered, so every test that needs it fails with the build's log.

    The copy starts without a notebook cache (copy_repository leaves .cache out), so with
    cache=True every notebook is still executed, as uncached as `make build`; what the build
    leaves in project/.cache warms the copies of the planted-fault tests. The site tests and the
    planted faults thus share one build ("site") instead of building twice.
    """
    shared = _session_dir(tmp_path_factory)
    project, site_dir, log = shared / f"{name}-project", shared / f"{name}-site", shared / f"{name}.log"
    with FileLock(str(shared / f"{name}.lock")):
        if not log.exists():
            copy_repository(project)
            if prepare:
                prepare(project)
            result = build(project, site_dir, cache=cache)
            log.write_text(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}", encoding="utf-8")
    text = log.read_text(encoding="utf-8")
    if not text.startswith("exit 0\n"):
        raise AssertionError(f"the strict build of {name} failed:\n{text[-6000:]}")
    return project, site_dir
