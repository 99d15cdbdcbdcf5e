"""Labs that run anywhere: the published copy of each lab notebook carries the code it imports.

The source notebooks in docs/labs/ import the book's `snippets` package, which exists only
inside the repository. mkdocs-jupyter publishes each source next to its page for download
(include_source). `write_published` rewrites those copies: a first, labelled set-up cell holds
the exact bytes of every snippet file the notebook imports and writes them into
./snippets/ when `snippets` cannot be imported (Colab, Jupyter in an empty folder); inside
the repository it does nothing. Links to the book's pages become absolute, so they work
outside the site too. The sources stay clean: one copy of the code, in snippets/.

Colab opens notebooks from GitHub only, and the site is deployed to Pages from a build
artifact (no branch holds it). So the "Open in Colab" link points at the same published
notebooks on the branch LABS_BRANCH, which the Pages workflow fills with
`python -m book.notebooks OUT` (this module needs only the standard library there).
A source notebook would fail in Colab on its first import.

Used by hooks.py (on_page_content: the buttons; on_post_build: the rewrite) and the tests.
"""

import ast
import html
import json
import re
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "snippets"
DOCS = ROOT / "docs"
LABS_BRANCH = "labs"  # the branch that holds the published notebooks (for Colab)
SETUP_TAG = "book-setup"
FILES_VARIABLE = "BOOK_SNIPPETS"
MARKER = ".written-by-notebook"  # marks a ./snippets/ folder that a set-up cell wrote
IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+snippets[ \t]+import[ \t]+(?:\(([^)]*)\)|([\w \t,]+))"
                    r"|from[ \t]+snippets\.(\w+)[ \t]+import|import[ \t]+snippets\.(\w+))", re.MULTILINE)
MARKDOWN_LINK = re.compile(r"(\]\()([^)\s]+)(\))")

TEXT = {
    "ko": {
        "title": "준비: 책의 snippets/ 파일을 노트북 옆에 씁니다(내려받은 노트북용)",
        "about": ["사이트를 빌드할 때 덧붙인 셀입니다. 저장소 밖(Colab, 빈 폴더의 Jupyter)에서는 `snippets`를",
                  "가져올(import) 수 없으므로 아래에 담긴 책의 파일을 ./snippets/ 폴더에 씁니다. 저장소 안에서는",
                  "아무것도 하지 않습니다. numpy와 torch가 필요하고, GPU(CUDA)는 없어도 됩니다."],
        "wrote": "책의 snippets/ 파일을 썼습니다:",
        "colab": "Colab에서 열기", "download": "노트북 내려받기",
        "needs": ("내려받은 노트북은 저장소 없이도 실행됩니다. numpy와 torch만 있으면 되고, GPU(CUDA)는 "
                  "없어도 됩니다. 첫 셀이 필요한 책의 코드를 노트북 옆 <code>snippets/</code> 폴더에 씁니다."),
    },
    "en": {
        "title": "Set-up: writes the book's snippets/ files next to this notebook (for a downloaded copy)",
        "about": ["Added when the site was built. Outside the book's repository (Colab, Jupyter in an empty",
                  "folder) `snippets` cannot be imported, so this cell writes the book's files held below into",
                  "./snippets/. Inside the repository it does nothing. Needs numpy and torch; CUDA is optional."],
        "wrote": "wrote the book's snippets/ files:",
        "colab": "Open in Colab", "download": "Download the notebook",
        "needs": ("A downloaded notebook runs without the repository: it needs numpy and torch, and a GPU "
                  "(CUDA) is optional. Its first cell writes the book's code it uses into a <code>snippets/</code> "
                  "folder next to it."),
    },
}


def imported_modules(notebook):
    """The snippet modules (file stems) a notebook's code cells import, in order of appearance."""
    found = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        for group, line, from_module, import_module in IMPORT.findall(_source(cell)):
            names = [n.split()[0] for n in (group or line).split(",") if n.strip()] or [from_module or import_module]
            found += [name for name in names if name not in found]
    return found


def snippet_files(modules, snippets_dir=SNIPPETS):
    """{"snippets/<name>.py": text} for the package file and each module, the exact bytes as text."""
    snippets_dir = Path(snippets_dir)
    files = {}
    for stem in ["__init__", *modules]:
        path = snippets_dir / f"{stem}.py"
        if not path.is_file():
            raise ValueError(f"the notebook imports snippets.{stem}, but {path} does not exist")
        data = path.read_bytes()
        text = data.decode("utf-8")
        if text.encode("utf-8") != data:
            raise ValueError(f"{path} does not round-trip through UTF-8")
        files[f"snippets/{stem}.py"] = text
    return files


def setup_cell(files, lang):
    """The set-up code cell (nbformat 4) that writes `files` when `snippets` cannot be imported."""
    text = TEXT[lang]
    entries = "".join(f"    {json.dumps(name)}: {_literal(body)},\n" for name, body in files.items())
    source = "\n".join([
        f"# @title {text['title']}",
        *[f"# {line}" for line in text["about"]],
        "import importlib",
        "import importlib.util",
        "import pathlib",
        "",
        f"{FILES_VARIABLE} = {{",
        entries.rstrip("\n"),
        "}",
        "",
        "_here = pathlib.Path.cwd()",
        "_spec = importlib.util.find_spec(\"snippets\")",
        f"if _spec is None or (_here / \"snippets\" / {MARKER!r}).exists():  # not importable, or our own copy",
        f"    for _name, _text in {FILES_VARIABLE}.items():",
        "        _path = _here / _name",
        "        _path.parent.mkdir(exist_ok=True)",
        "        _path.write_bytes(_text.encode(\"utf-8\"))",
        f"    (_here / \"snippets\" / {MARKER!r}).write_text(\"\")",
        "    importlib.invalidate_caches()",
        f"    print({text['wrote']!r}, \", \".join({FILES_VARIABLE}))",
    ])
    return {"cell_type": "code", "execution_count": None, "id": SETUP_TAG,
            "metadata": {"tags": [SETUP_TAG], "cellView": "form"}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def embedded_files(notebook):
    """The {name: text} a published notebook's set-up cell holds (read back with ast, for the tests)."""
    cell = notebook["cells"][0]
    if SETUP_TAG not in cell.get("metadata", {}).get("tags", []):
        raise ValueError("the notebook's first cell is not the book's set-up cell")
    for node in ast.parse(_source(cell)).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == FILES_VARIABLE:
            return ast.literal_eval(node.value)
    raise ValueError(f"the set-up cell has no {FILES_VARIABLE}")


def self_contained(notebook, lang, page_url, snippets_dir=SNIPPETS):
    """A copy of `notebook` (parsed JSON) with the set-up cell first and absolute page links.

    page_url: the absolute URL of the lab's page, against which its relative links resolve.
    """
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {sorted(TEXT)}, got {lang!r}")
    if notebook["cells"] and SETUP_TAG in notebook["cells"][0].get("metadata", {}).get("tags", []):
        raise ValueError("the notebook already has the book's set-up cell (published twice?)")
    notebook = json.loads(json.dumps(notebook))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            text = MARKDOWN_LINK.sub(lambda m: m.group(1) + _absolute(page_url, m.group(2)) + m.group(3),
                                     _source(cell))
            cell["source"] = text.splitlines(keepends=True)
    cell = setup_cell(snippet_files(imported_modules(notebook), snippets_dir), lang)
    if (notebook["nbformat"], notebook.get("nbformat_minor", 0)) < (4, 5):
        del cell["id"]  # cell ids exist from nbformat 4.5 on
    notebook["cells"].insert(0, cell)
    return notebook


def dumps(notebook):
    return json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"


def published_path(source):
    """docs/labs/lstm.ko.ipynb -> (lang, "labs/lstm/lstm.ko.ipynb"); English under "en/"."""
    source = Path(source)
    stem, _, lang = source.stem.rpartition(".")
    folder = source.parent.relative_to(DOCS).as_posix()
    prefix = "" if lang == "ko" else f"{lang}/"
    return lang, f"{prefix}{folder}/{stem}/{source.name}"


def write_published(out_dir, site_url, *, replace_only=False):
    """Write the self-contained form of every docs/ notebook under out_dir at its site path.

    replace_only: every target must exist already (mkdocs-jupyter published it there).
    Always reads the source notebook, so running twice cannot add a second set-up cell.
    """
    out_dir = Path(out_dir)
    written = []
    for source in sorted(DOCS.rglob("*.ipynb")):
        lang, rel = published_path(source)
        target = out_dir / rel
        if replace_only and not target.is_file():
            raise ValueError(f"{source.relative_to(ROOT)} was not published at {rel}")
        notebook = json.loads(source.read_text(encoding="utf-8"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dumps(self_contained(notebook, lang, urljoin(site_url, rel))), encoding="utf-8")
        written.append(rel)
    return written


def colab_url(repo_url, site_path):
    """The Colab link for a published notebook at site_path on LABS_BRANCH of the GitHub repository."""
    parts = urlsplit(repo_url or "")
    owner_repo = parts.path.strip("/").removesuffix(".git")
    if parts.netloc != "github.com" or owner_repo.count("/") != 1:
        raise ValueError(f"repo_url must be https://github.com/<owner>/<repo>, got {repo_url!r}")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{LABS_BRANCH}/{site_path}"


def lab_actions(lang, notebook_name, colab):
    """The buttons at the top of a lab page, and what a downloaded notebook needs."""
    text = TEXT[lang]
    return (f'<div class="lab-actions">\n<p>'
            f'<a class="md-button md-button--primary" href="{html.escape(colab)}">{text["colab"]}</a> '
            f'<a class="md-button" href="{html.escape(notebook_name)}" download>{text["download"]}</a></p>\n'
            f'<p class="lab-needs">{text["needs"]}</p>\n</div>\n')


def add_lab_actions(content, lang, page_url, notebook_name, repo_url):
    """The lab page's HTML with its buttons after the first heading (before the text, if none).

    page_url: the page's URL relative to the site root ("labs/lstm/", "en/labs/lstm/").
    """
    actions = lab_actions(lang, notebook_name, colab_url(repo_url, page_url + notebook_name))
    head, found, rest = content.partition("</h1>")
    return head + found + "\n" + actions + rest if found else actions + content


def _source(cell):
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _absolute(page_url, link):
    """A link of a page made absolute; in-notebook anchors and absolute URLs stay as they are."""
    if urlsplit(link).scheme or link.startswith("#"):
        return link
    return urljoin(page_url, link)


def _literal(text):
    """A Python literal that evaluates to exactly `text`: triple-quoted (readable) where possible."""
    if not text:
        return '""'
    for quote in ("'''", '"""'):
        if quote in text:
            continue
        body = text.replace("\\", "\\\\")
        if body.endswith(quote[0]):
            body = body[:-1] + "\\" + quote[0]
        literal = quote + body + quote
        try:
            if ast.literal_eval(literal) == text:
                return literal
        except (SyntaxError, ValueError):
            pass
    return repr(text)


def main(argv):
    """python -m book.notebooks OUT: write the published notebooks under OUT (for LABS_BRANCH)."""
    if len(argv) != 2:
        raise SystemExit(main.__doc__)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    site_url = re.search(r"^site_url:\s*(\S+)", config, re.MULTILINE).group(1)
    for rel in write_published(argv[1], site_url):
        print(rel)


if __name__ == "__main__":
    main(sys.argv)
