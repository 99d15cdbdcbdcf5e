"""The GitHub Pages workflow cannot run here; actionlint and zizmor check it instead."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .sitebuild import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
BIN = Path(sys.executable).parent


def tool(name):
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: it comes with requirements.txt")
    return path


def run_checks(workflow):
    actionlint = subprocess.run([tool("actionlint"), str(workflow)], capture_output=True, text=True)
    zizmor = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(workflow)],
                            capture_output=True, text=True)
    return actionlint, zizmor


def test_actionlint_and_zizmor_pass():
    actionlint, zizmor = run_checks(WORKFLOW)
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


def test_the_checks_catch_an_unpinned_action_and_a_bad_expression(tmp_path):
    """The control: both tools do fail on a workflow with faults they should see."""
    text = WORKFLOW.read_text(encoding="utf-8")
    text = re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v4", text)
    text = text.replace("${{ steps.deployment.outputs.page_url }}", "${{ steps.deployment.outputs.page_url ")
    broken = tmp_path / "pages.yml"
    broken.write_text(text, encoding="utf-8")
    actionlint, zizmor = run_checks(broken)
    assert actionlint.returncode != 0
    assert zizmor.returncode != 0 and "unpinned" in (zizmor.stdout + zizmor.stderr)


def test_every_action_is_pinned_to_a_commit_and_permissions_are_per_job():
    text = WORKFLOW.read_text(encoding="utf-8")
    uses = re.findall(r"uses:\s*(\S+)", text)
    assert uses and all(re.fullmatch(r"actions/[\w-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert re.search(r"^permissions: \{\}$", text, re.M)
    assert "pages: write" in text and "id-token: write" in text
    # only the job that pushes the Colab branch `labs` may write the repository, and only main runs it
    writers = [job for job in re.split(r"^  (?=\w)", text, flags=re.M) if "contents: write" in job]
    assert len(writers) == 1 and writers[0].startswith("labs:") and "github.ref == 'refs/heads/main'" in writers[0]
    assert "make test" in text and "make build" in text


def test_torch_comes_from_the_cpu_wheel_index_and_pip_is_cached():
    """A GitHub runner has no GPU: the CUDA build of torch would be gigabytes of download."""
    text = WORKFLOW.read_text(encoding="utf-8")
    assert re.search(r"TORCH_INDEX: https://download\.pytorch\.org/whl/cpu\b", text)
    assert re.search(r"^\s+cache: pip\b", text, re.M)
    keyed_on = re.search(r"cache-dependency-path: \|\n((?:\s+\S+\n)+)", text).group(1).split()
    assert keyed_on == ["requirements.txt", "requirements-nodeps.txt"]  # every file pip installs from
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--index-url $(TORCH_INDEX)" in makefile  # torch only; everything else from requirements.txt


def test_page_weight_says_what_to_run_when_there_is_no_site(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "page_weight.py"), str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "make build" in result.stderr, result.stderr
