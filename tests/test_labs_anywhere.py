"""Labs that run anywhere: each published lab notebook runs from an empty folder.

The notebook a reader downloads (or opens in Colab) is the one the site publishes, not the
source in docs/labs/. Each is copied alone into an empty temporary folder and executed with
nbclient in a fresh Python whose sys.path holds neither the repository nor PYTHONPATH: it
must run without error and print the same agreement lines as the built page.
"""

import html
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from book import notebooks

from .sitebuild import ROOT, shared_build

pytestmark = [pytest.mark.site, pytest.mark.xdist_group("site")]
SITE_URL = "https://gate-by-gate.github.io/lstm-gru/"
SOURCES = sorted((ROOT / "docs").rglob("*.ipynb"))
PUBLISHED = [notebooks.published_path(source)[1] for source in SOURCES]
AGREEMENT = re.compile(r"^max \|.*$", re.MULTILINE)  # "max |lstm_torch - nn.LSTM| = 1.1e-16 on cpu"
RUN = textwrap.dedent("""
    import json, sys
    import nbclient, nbformat
    notebook = nbformat.read(sys.argv[1], as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=False).execute()
    nbformat.write(notebook, sys.argv[1])
""")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return shared_build(tmp_path_factory, "site")[1]


def clean_env():
    """The environment of a reader's fresh Jupyter: no PYTHONPATH, nothing of the repository."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BOOK_", "MKDOCS"))}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def stdout_of(notebook):
    return "".join(output.get("text", "") if isinstance(output.get("text", ""), str) else "".join(output["text"])
                   for cell in notebook["cells"] for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == "stdout")


def page_text(site, rel):
    page = (site / rel).parent / "index.html"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_every_lab_is_published():
    assert len(PUBLISHED) >= 4 and "labs/lstm/lstm.ko.ipynb" in PUBLISHED and "en/labs/gru/gru.en.ipynb" in PUBLISHED


@pytest.mark.parametrize("rel", PUBLISHED)
def test_published_notebook_runs_alone_in_an_empty_folder(site, rel, tmp_path):
    copy = tmp_path / Path(rel).name
    copy.write_bytes((site / rel).read_bytes())
    probe = subprocess.run([sys.executable, "-c", "import snippets"], cwd=tmp_path, env=clean_env(),
                           capture_output=True, text=True)
    assert probe.returncode != 0, "the control failed: snippets is importable in the empty folder"
    result = subprocess.run([sys.executable, "-c", RUN, str(copy)], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    executed = json.loads(copy.read_text(encoding="utf-8"))
    printed = stdout_of(executed)
    setup_output = stdout_of({"cells": executed["cells"][:1]})
    assert notebooks.TEXT[rel.split(".")[-2]]["wrote"] in setup_output, setup_output  # it wrote the files
    for name in notebooks.embedded_files(executed):
        assert (tmp_path / name).read_bytes() == (ROOT / name).read_bytes(), name
    ours = AGREEMENT.findall(printed)
    built = AGREEMENT.findall(page_text(site, rel))
    assert ours and ours == built, (ours, built)


@pytest.mark.parametrize("rel", PUBLISHED)
def test_embedded_snippets_are_byte_identical_to_snippets(site, rel):
    published = json.loads((site / rel).read_text(encoding="utf-8"))
    embedded = notebooks.embedded_files(published)
    modules = notebooks.imported_modules(published)
    assert modules and set(embedded) == {"snippets/__init__.py", *(f"snippets/{m}.py" for m in modules)}
    for name, text in embedded.items():
        assert text.encode("utf-8") == (ROOT / name).read_bytes(), f"{rel}: {name} differs from the repository's"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_sources_stay_clean(source):
    notebook = json.loads(source.read_text(encoding="utf-8"))
    assert notebooks.SETUP_TAG not in json.dumps(notebook["cells"][0].get("metadata", {}))
    assert notebooks.FILES_VARIABLE not in source.read_text(encoding="utf-8")


def test_setup_cell_does_nothing_inside_the_repository(tmp_path):
    """With the repository importable (as in the build), the set-up cell writes no file."""
    source = notebooks.setup_cell(notebooks.snippet_files(["lstm_numpy"]), "en")["source"]
    env = dict(clean_env(), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", "".join(source)], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def test_setup_cell_refreshes_its_own_earlier_copy(tmp_path):
    """A second lab run in the same folder adds its modules to the ./snippets/ the first one wrote."""
    for modules in (["lstm_numpy"], ["gru_numpy", "gru_torch"]):
        source = notebooks.setup_cell(notebooks.snippet_files(modules), "ko")["source"]
        result = subprocess.run([sys.executable, "-c", "".join(source)], cwd=tmp_path, env=clean_env(),
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "snippets").glob("*.py"))
    assert written == ["__init__.py", "gru_numpy.py", "gru_torch.py", "lstm_numpy.py"], written


def test_a_notebook_importing_an_unknown_snippet_is_refused():
    notebook = {"nbformat": 4, "nbformat_minor": 5,
                "cells": [{"cell_type": "code", "source": "from snippets import lstm_numpy, lstm_jax\n"}]}
    with pytest.raises(ValueError, match="snippets.lstm_jax"):
        notebooks.self_contained(notebook, "en", SITE_URL + "labs/lstm/")
    with pytest.raises(ValueError, match="lang"):
        notebooks.self_contained(notebook, "fr", SITE_URL + "labs/lstm/")


@pytest.mark.parametrize("text", ["", "plain\n", 'a """docstring""" and a \\ backslash\n', "'''\"\"\"\n",
                                  "ends with a quote'", "tab\tand\rreturn\x00"])
def test_embedded_literal_round_trips(text):
    assert eval(notebooks._literal(text)) == text  # noqa: S307 - our own literal


@pytest.mark.parametrize("rel", PUBLISHED)
def test_lab_page_has_colab_and_download_buttons_in_its_language(site, rel):
    lang = rel.split(".")[-2]
    page = ((site / rel).parent / "index.html").read_text(encoding="utf-8")
    actions = page.split('<div class="lab-actions">', 1)[1].split("</div>", 1)[0]
    text = notebooks.TEXT[lang]
    colab = f"https://colab.research.google.com/github/gate-by-gate/lstm-gru/blob/{notebooks.LABS_BRANCH}/{rel}"
    assert f'href="{colab}">{text["colab"]}</a>' in actions
    assert f'href="{Path(rel).name}" download>{text["download"]}</a>' in actions
    assert "numpy" in actions and "torch" in actions and "CUDA" in actions


@pytest.mark.parametrize("rel", PUBLISHED)
def test_links_in_a_published_notebook_are_absolute_and_lead_into_the_site(site, rel):
    published = json.loads((site / rel).read_text(encoding="utf-8"))
    links = [link for cell in published["cells"] if cell["cell_type"] == "markdown"
             for link in re.findall(r"\]\(([^)\s]+)\)", "".join(cell["source"]))]
    assert links
    for link in links:
        assert link.startswith(SITE_URL), link
        path, _, anchor = link[len(SITE_URL):].partition("#")
        target = site / path / "index.html" if not path or path.endswith("/") else site / path
        assert target.is_file(), link
        assert not anchor or f'id="{anchor}"' in target.read_text(encoding="utf-8"), link


def test_labs_branch_holds_the_same_notebooks_as_the_site(site, tmp_path):
    """`python -m book.notebooks OUT` (what the workflow pushes for Colab) writes the published bytes."""
    result = subprocess.run([sys.executable, "-m", "book.notebooks", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == sorted(PUBLISHED)
    for rel in PUBLISHED:
        assert (tmp_path / rel).read_bytes() == (site / rel).read_bytes(), rel
