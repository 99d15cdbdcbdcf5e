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


def shared_build(tmp_path_factory, name, *, cache=False, prepare=None):
    """Build once per test session, whichever xdist worker comes first; return (project, site_dir).

    A failed build is remembered, so every test that needs it fails with the build's log.
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
